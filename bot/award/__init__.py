"""The volunteer award ("frivillighedspris"): staff open a round, anyone nominates in chat, staff
shortlist, export and announce the winner (Solrød's policy; other municipalities by their data)."""
