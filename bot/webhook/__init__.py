"""Webhook mode: the ASGI app Telegram posts updates to, with health and Prometheus metrics."""
