"""Privacy rights: what we store about a user (/mydata), erasure (/deletedata), retention."""
