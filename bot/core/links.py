"""Links into the bot's private chat (`t.me` deep links)."""

from __future__ import annotations


def private_chat_link(bot_username: str | None, start: str = "") -> str | None:
    """`https://t.me/<bot>?start=<start>`: opens the private chat with the bot.

    Telegram's deep-link format (core.telegram.org/bots/features#deep-linking): the parameter is
    at most 64 characters of A-Z, a-z, 0-9, _ and -. None when the username is unknown (the
    terminal chat, or before the bot is initialised).
    """
    if not bot_username:
        return None
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={start}" if start else link
