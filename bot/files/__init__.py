"""Files users send the bot that only we can keep: attachments from the terminal chat.

A Telegram attachment stays on Telegram's servers and is kept as its Telegram file id; a file
attached in the terminal chat (`/fil PATH`) has no Telegram file id, so its bytes are copied into
the database and it is kept as a *stored* file id (``stored:…``) in the same places, so staff can
open it later from Telegram as well as from the terminal.
"""
