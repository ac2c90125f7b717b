"""What a channel hands the conversation core: one event per user action, free of Telegram types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    LOCATION = "location"
    DOCUMENT = "document"
    UNSUPPORTED = "unsupported"  # stickers, photos, voice … we say what we can read instead
    #: The channel reopened (a restarted terminal chat): show the step the chat is on again.
    RESUME = "resume"


@dataclass(frozen=True)
class IncomingDocument:
    file_id: str
    file_name: str
    mime_type: str | None
    size: int | None


@dataclass(frozen=True)
class Event:
    """One user action. `user_id` and `chat_id` are Telegram's ids (the terminal makes some up).

    `private_chat` is False for a group, supergroup or channel: frivillig is a one-to-one
    assistant, and the core answers such events only with a pointer to a private chat.
    """

    kind: EventKind
    user_id: int
    chat_id: int
    text: str | None = None
    payload: str | None = None
    command: str | None = None
    args: str = ""
    latitude: float | None = None
    longitude: float | None = None
    document: IncomingDocument | None = None
    language_code: str | None = None
    display_name: str | None = None
    update_id: int | None = None
    message_id: int | None = None
    private_chat: bool = True
    #: The id of the user's own text message (a new one, or the one they edited).
    text_message_id: int | None = None
    #: True when the user edited an earlier message rather than sending a new one.
    edited: bool = False

    @classmethod
    def from_text(cls, user_id: int, chat_id: int, text: str, **extra: object) -> Event:
        """A typed line: a command when it starts with "/", free text otherwise."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, args = stripped[1:].partition(" ")
            command = head.split("@", 1)[0].lower()  # "/start@frivillig_bot" in groups
            return cls(
                EventKind.COMMAND,
                user_id,
                chat_id,
                text=text,
                command=command,
                args=args.strip(),
                **extra,  # type: ignore[arg-type]
            )
        return cls(EventKind.TEXT, user_id, chat_id, text=text, **extra)  # type: ignore[arg-type]
