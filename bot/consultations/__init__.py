"""Consultations ("høring"): staff send a proposal with a document and a deadline to an audience,
recipients answer in chat (text and/or a file) until the deadline (Sermersooq's policy)."""
