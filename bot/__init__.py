"""frivillig: a Telegram assistant for municipal voluntary social work."""
