"""The shape of a journey: one `Flow` per journey, each a small state machine over named steps.

A flow names its steps in a `StrEnum` (`Step`) whose values are what `DialogueState.step` holds,
so a state saved before the enum existed still maps. It says what each step shows and how it
takes an answer in one table, `screens()`: step → `Screen`. The table is the one place that says
which steps take typed text, a location or a document, so those sets cannot drift from the
screens; `tests/unit/test_flow_steps.py` checks that every step has a screen and every screen is
reachable.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from bot.core.events import Event
from bot.core.turn import Turn

#: Shows a step again (after a stale button, an unexpected message, a restart).
ShowScreen = Callable[[Turn], Awaitable[None]]
#: Takes an event at a step; the `str | None` is the pressed step button's value, if any.
HandleScreen = Callable[[Turn, Event, str | None], Awaitable[None]]


@dataclass(frozen=True)
class Screen:
    """What one step shows, how it takes an answer, and which kinds of message are answers."""

    show: ShowScreen
    handle: HandleScreen
    #: Typed text is an answer here (a name, an amount …), not something for the NLU.
    text: bool = False
    #: A shared location is an answer here.
    location: bool = False
    #: A document is an answer here.
    document: bool = False
    #: The answer may be replaced by editing the message (a typo in an e-mail): only where
    #: answering again undoes nothing that others have seen or acted on.
    editable: bool = False


class Flow(ABC):
    """A journey (onboarding, matching, grants …). The core calls it; it never sees Telegram.

    Steps are saved in `DialogueState.step`, so a journey resumes exactly where it was after a
    restart. A flow with a `Step` enum and a `screens()` table gets `show`, `on_event` and the
    `expects_*` questions from here; a flow without them (one step, or not yet converted)
    overrides `show` and `on_event` itself.
    """

    journey: ClassVar[str]
    #: The flow's steps; None for a flow that keeps its steps to itself.
    Step: ClassVar[type[StrEnum] | None] = None
    #: Steps at which typed text is an answer, for flows without a `screens()` table.
    text_steps: ClassVar[frozenset[str]] = frozenset()
    #: Steps that accept a shared location or a document, likewise.
    location_steps: ClassVar[frozenset[str]] = frozenset()
    document_steps: ClassVar[frozenset[str]] = frozenset()
    #: Text steps whose answer may be replaced by editing the message (a typo in an e-mail):
    #: only steps where answering again undoes nothing that others have seen or acted on.
    editable_steps: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def start(self, turn: Turn, **params: Any) -> None:
        """Enter the journey from anywhere (menu, command, NLU intent with its entities)."""

    def screens(self) -> Mapping[str, Screen]:
        """`Step` member → its screen. Empty for a flow that dispatches by itself."""
        return {}

    @functools.cached_property
    def _screens(self) -> Mapping[str, Screen]:
        # Keyed by the enum members, which compare and hash as their string values: a step
        # read back from the database (a plain str) finds its screen.
        return dict(self.screens())

    def screen(self, step: str) -> Screen | None:
        """The screen of `step`, or None for a step this flow does not know (an old state)."""
        return self._screens.get(step)

    async def show(self, turn: Turn) -> None:
        """Show the current step again (after a stale button, an unexpected message, /start)."""
        screen = self.screen(turn.step)
        if screen is None:
            await self.start(turn)
            return
        await screen.show(turn)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        """Handle an event at the current step; `value` is a step button's value, if one was
        pressed. A step the flow no longer knows starts the journey again."""
        screen = self.screen(turn.step)
        if screen is None:
            await self.start(turn)
            return
        await screen.handle(turn, event, value)

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        """Handle a global button (`g:<journey>:...`); return False when it is not ours."""
        return False

    def expects_text(self, step: str) -> bool:
        screen = self.screen(step)
        return screen.text if screen is not None else step in self.text_steps

    def expects_location(self, step: str) -> bool:
        screen = self.screen(step)
        return screen.location if screen is not None else step in self.location_steps

    def expects_document(self, step: str) -> bool:
        screen = self.screen(step)
        return screen.document if screen is not None else step in self.document_steps

    def accepts_edit(self, step: str) -> bool:
        """Whether an edited answer at `step` replaces the answer given (see `Screen.editable`)."""
        screen = self.screen(step)
        return screen.editable if screen is not None else step in self.editable_steps
