"""What flows may use, built once in the composition root and passed down (nothing global)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.directory import Directory
from bot.store.base import utcnow
from bot.store.database import Database

if TYPE_CHECKING:
    from nlu.client import NluResult


class NluParser:
    """Anything that turns text into an NLU result (the Rasa client, or a fake in tests)."""

    async def parse(self, text: str) -> NluResult:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Services:
    settings: Settings
    db: Database
    directory: Directory
    nlu: Any = None  # an NluParser; None when NLU is switched off
    clock: Callable[[], datetime] = field(default=utcnow)
    #: The conversation core itself, so a flow can open another journey (set by `Conversation`).
    conversation: Any = None
    #: Feature services by name ("matching", "grants", "meetings" …), registered by the features.
    features: dict[str, Any] = field(default_factory=dict)
