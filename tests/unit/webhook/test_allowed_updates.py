"""Polling and the webhook ask Telegram for the same updates, edited messages among them."""

from __future__ import annotations

import inspect

from bot.channels.telegram import ALLOWED_UPDATES
from bot.processes import cli
from bot.processes import webhook as server


def test_edited_messages_are_asked_for_in_polling_and_in_set_webhook() -> None:
    assert {"message", "edited_message", "callback_query"} <= set(ALLOWED_UPDATES)
    assert server.ALLOWED_UPDATES is ALLOWED_UPDATES
    assert "allowed_updates=ALLOWED_UPDATES" in inspect.getsource(server)
    assert "allowed_updates=ALLOWED_UPDATES" in inspect.getsource(cli)
