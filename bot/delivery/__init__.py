"""Delivery: the outbox, broadcasts and the dispatcher that sends them within Telegram's limits."""
