"""What the conversation core answers with: text (Telegram HTML), buttons and documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ButtonScope(StrEnum):
    #: Valid only while the chat is still at the step that showed it (stamped with the state's
    #: version when the turn is saved): a press on an older message is recognised as stale.
    STEP = "s"
    #: Valid from any message at any time (menu entries, RSVP on an invitation): the payload
    #: carries the ids it needs, and the handler checks that the user may act on them.
    GLOBAL = "g"


@dataclass(frozen=True)
class Button:
    label: str
    value: str
    scope: ButtonScope = ButtonScope.STEP
    url: str | None = None
    #: Opens this https page as a Telegram Mini App (`web_app` button); channels without Mini
    #: Apps do not show such a button.
    web_app: str | None = None


@dataclass(frozen=True)
class OutgoingDocument:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"
    caption: str | None = None
    #: A Telegram file id of a file users sent us earlier: sent again by id, `content` unused.
    file_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message. `text` is Telegram HTML: user-supplied text inside it is already escaped."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: OutgoingDocument | None = None
    #: Replace the message whose button was pressed instead of adding a new one.
    edit: bool = False
    payloads: tuple[tuple[str, ...], ...] = field(default=(), compare=False)

    def with_payloads(self, version: int) -> Reply:
        """The reply with every button's callback data worked out for state `version`."""
        rows = tuple(
            tuple(encode_payload(button, version) for button in row) for row in self.buttons
        )
        return Reply(self.text, self.buttons, self.document, self.edit, rows)


MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
MAX_TEXT = 4096  # Telegram's limit on a message's text


def coalesce(replies: list[Reply]) -> list[Reply]:
    """Fold plain texts into the message that follows them: "Tak!" and then the menu arrive as
    one message instead of two (less noise on a phone, and one request to Telegram, not two).

    Only a reply without buttons or a document is folded, into a following reply without a
    document; the result keeps the second's buttons and whether it edits the pressed message.
    """
    merged: list[Reply] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.buttons
            and previous.document is None
            and not previous.edit
            and reply.document is None
            and previous.text
            and len(previous.text) + len(reply.text) + 2 <= MAX_TEXT
        ):
            merged[-1] = Reply(f"{previous.text}\n\n{reply.text}", reply.buttons, None, reply.edit)
        else:
            merged.append(reply)
    return merged


def encode_payload(button: Button, version: int) -> str:
    if button.scope is ButtonScope.STEP:
        payload = f"s{version}:{button.value}"
    else:
        payload = f"g:{button.value}"
    if len(payload.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {payload!r}")
    return payload


@dataclass(frozen=True)
class DecodedPayload:
    scope: ButtonScope
    value: str
    version: int | None = None


def decode_payload(payload: str) -> DecodedPayload | None:
    """Parse callback data from a button; None for anything we never made (forged or corrupt)."""
    if payload.startswith("g:") and len(payload) > 2:
        return DecodedPayload(ButtonScope.GLOBAL, payload[2:])
    if payload.startswith("s"):
        version, sep, value = payload[1:].partition(":")
        if sep and version.isdigit() and value:
            return DecodedPayload(ButtonScope.STEP, value, int(version))
    return None
