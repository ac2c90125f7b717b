"""Drives the conversation core directly, the way a channel would, for fast flow tests."""

from __future__ import annotations

from bot.core.conversation import Conversation
from bot.core.events import Event, EventKind, IncomingDocument
from bot.core.replies import Reply


class ChatDriver:
    def __init__(self, conversation: Conversation, user_id: int, language_code: str = "da") -> None:
        self.conversation = conversation
        self.user_id = user_id
        self.language_code = language_code
        self.history: list[Reply] = []

    async def _handle(self, event: Event) -> list[Reply]:
        replies = await self.conversation.handle(event)
        self.history.extend(replies)
        return replies

    async def send(self, text: str) -> list[Reply]:
        return await self._handle(
            Event.from_text(self.user_id, self.user_id, text, language_code=self.language_code)
        )

    def payload_for(self, label: str) -> str:
        for reply in reversed(self.history):
            for row, payloads in zip(reply.buttons, reply.payloads, strict=True):
                for button, payload in zip(row, payloads, strict=True):
                    if label.casefold() in button.label.casefold():
                        return payload
        raise AssertionError(f"no button {label!r} in the conversation so far")

    async def press(self, label: str) -> list[Reply]:
        return await self.press_payload(self.payload_for(label))

    async def press_payload(self, payload: str) -> list[Reply]:
        return await self._handle(
            Event(
                EventKind.BUTTON,
                self.user_id,
                self.user_id,
                payload=payload,
                message_id=1,
                language_code=self.language_code,
            )
        )

    async def send_location(self, latitude: float, longitude: float) -> list[Reply]:
        return await self._handle(
            Event(
                EventKind.LOCATION,
                self.user_id,
                self.user_id,
                latitude=latitude,
                longitude=longitude,
            )
        )

    async def send_document(self, document: IncomingDocument) -> list[Reply]:
        return await self._handle(
            Event(EventKind.DOCUMENT, self.user_id, self.user_id, document=document)
        )

    async def send_unsupported(self) -> list[Reply]:
        return await self._handle(Event(EventKind.UNSUPPORTED, self.user_id, self.user_id))

    async def onboard(self, municipality: str = "Sønderborg", language: str = "Dansk") -> None:
        await self.send("/start")
        await self.press(language)
        await self.press(municipality)
        await self.press("Ja")


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def labels_of(replies: list[Reply]) -> list[str]:
    return [b.label for r in replies for row in r.buttons for b in row]
