"""Drives the real PTB Application as a Telegram user would, against the fake Bot API, and reads
what the bot sent."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.fakes.bot_api import Call, FakeBotApi, TelegramUser


class TelegramDriver:
    """Drives the real PTB Application as Telegram would, and reads what the bot sent."""

    def __init__(self, app: Application, api: FakeBotApi, user: TelegramUser) -> None:  # type: ignore[type-arg]
        self.app = app
        self.api = api
        self.user = user

    async def _process(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [c for c in self.api.calls[before:] if c.chat_id in (None, self.user.user_id)]

    async def send(self, text: str) -> list[Call]:
        return await self._process(self.user.text(text))

    async def send_update(self, update: dict[str, Any]) -> list[Call]:
        return await self._process(update)

    def last_with_button(self, label: str) -> tuple[Call, str]:
        for call in reversed(self.api.sent(self.user.user_id)):
            for text_, data in call.buttons:
                if label.casefold() in text_.casefold():
                    return call, data
        raise AssertionError(f"no message with a button {label!r}")

    async def press(self, label: str) -> list[Call]:
        call, data = self.last_with_button(label)
        message_id = call.message_id or call.edited_message_id or 0
        return await self._process(self.user.callback(data, message_id))

    async def press_data(self, data: str, message_id: int = 1) -> list[Call]:
        return await self._process(self.user.callback(data, message_id))

    async def onboard(self, municipality: str = "Sønderborg", language: str = "Dansk") -> None:
        """Through onboarding in Danish (by default), consenting to notices."""
        await self.send("/start")
        await self.press(language)
        await self.press(municipality)
        await self.press("Ja tak" if language == "Dansk" else "Yes please")


def texts(calls: list[Call]) -> str:
    """Everything the user saw in these calls, as one string for `in` assertions."""
    return "\n".join(
        c.text for c in calls if c.method in ("sendMessage", "editMessageText", "sendDocument")
    )
