"""Municipal staff: who may act for which municipality, and the /staff hub."""
