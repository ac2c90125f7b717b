"""Companies with a CSR strategy (Sermersooq's third target group, issue 18 §4)."""
