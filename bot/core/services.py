"""What flows may use, built once in the composition root and passed down (nothing global)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.config import Settings
from bot.directory import Directory
from bot.faq import Faq
from bot.grants.service import GrantService
from bot.store.base import utcnow
from bot.store.database import Database

if TYPE_CHECKING:
    from bot.delivery.budget import RateBudget
    from nlu.client import NluResult


class NluParser:
    """Anything that turns text into an NLU result (the Rasa client, or a fake in tests)."""

    async def parse(self, text: str) -> NluResult:  # pragma: no cover - interface
        raise NotImplementedError


class FileTooLargeError(ValueError):
    """The file is larger than the caller allows; nothing was downloaded (or kept)."""


class FileUnavailableError(RuntimeError):
    """The channel could not fetch the file (expired id, network, the platform refused)."""


class FileSource(Protocol):
    """Fetches a file a user sent, by the channel's file id (Telegram's `getFile` and download).

    A port, so flows stay free of Telegram: the Telegram channel provides the real one, tests a
    fake, and channels that cannot download (the terminal chat) none at all (`Services.files` is
    None). Raises `FileTooLargeError` for a file over `max_bytes`, `FileUnavailableError` when
    the file cannot be fetched.
    """

    async def download(self, file_id: str, max_bytes: int) -> bytes: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    directory: Directory
    nlu: Any = None  # an NluParser; None when NLU is switched off
    clock: Callable[[], datetime] = field(default=utcnow)
    #: The features' services, built in the composition root (`bot.app.build_services`).
    #: The municipalities' FAQ topics, for answers to FAQ intents.
    faq: Faq = field(kw_only=True)
    #: § 18 grants: schemes, drafts, submission and review.
    grants: GrantService = field(kw_only=True)
    #: Downloads files users sent (set by the Telegram channel); None when the channel cannot.
    files: FileSource | None = None
    #: The bot's Telegram username, for `t.me/<bot>` links: `BOT_USERNAME`, or what Telegram
    #: says once the bot is initialised (`getMe`); None in the terminal chat without either.
    bot_username: str | None = None
    #: The bot's one send budget (Telegram's ~30/s), drawn on by replies first and by the outbox
    #: dispatcher; shared across processes on PostgreSQL. None: each sender paces itself.
    budget: RateBudget | None = None
