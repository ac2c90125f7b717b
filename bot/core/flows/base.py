"""The shape of a journey: one `Flow` per journey, each a small state machine over named steps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from bot.core.events import Event
from bot.core.turn import Turn


class Flow(ABC):
    """A journey (onboarding, matching, grants …). The core calls it; it never sees Telegram.

    Steps are plain strings saved in `DialogueState.step`, so a journey resumes exactly where it
    was after a restart.
    """

    journey: ClassVar[str]
    #: Steps at which typed text is an answer (a name, an amount …) rather than something for the
    #: NLU to interpret.
    text_steps: ClassVar[frozenset[str]] = frozenset()
    #: Steps that accept a shared location or a document.
    location_steps: ClassVar[frozenset[str]] = frozenset()
    document_steps: ClassVar[frozenset[str]] = frozenset()
    #: Text steps whose answer may be replaced by editing the message (a typo in an e-mail):
    #: only steps where answering again undoes nothing that others have seen or acted on.
    editable_steps: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def start(self, turn: Turn, **params: Any) -> None:
        """Enter the journey from anywhere (menu, command, NLU intent with its entities)."""

    @abstractmethod
    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        """Handle an event at the current step; `value` is a step button's value, if one was
        pressed."""

    @abstractmethod
    async def show(self, turn: Turn) -> None:
        """Show the current step again (after a stale button, an unexpected message, /start)."""

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        """Handle a global button (`g:<journey>:...`); return False when it is not ours."""
        return False

    def expects_text(self, step: str) -> bool:
        return step in self.text_steps

    def expects_location(self, step: str) -> bool:
        return step in self.location_steps

    def expects_document(self, step: str) -> bool:
        return step in self.document_steps
