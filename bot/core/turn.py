"""One turn of a conversation: the user, their saved place, and the replies being built."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from bot.core.replies import Button, ButtonScope, OutgoingDocument, Reply
from bot.i18n import t, tn
from bot.store.models import DialogueState, OutboxMessage, User

if TYPE_CHECKING:
    from bot.core.services import Services


class Navigator(Protocol):
    """The few moves between journeys a flow may ask of the conversation core.

    A port: the core (`Conversation`) implements it and hands it to every turn, so flows move the
    chat to another journey without importing the core (which imports them).
    """

    async def open_journey(self, turn: Turn, journey: str, **params: object) -> None:
        """Start `journey` (or say honestly that it is not there and show the menu)."""

    async def follow_deep_link(self, turn: Turn, link: str) -> bool:
        """Open what a `t.me/<bot>?start=<journey>-<arg>` link names; False if nothing."""

    def has_journey(self, journey: str) -> bool:
        """Whether this deployment offers `journey`."""


class _NoNavigation:
    """The navigator of a turn built outside the core (a test of one screen): any move fails
    loudly rather than silently doing nothing."""

    async def open_journey(self, turn: Turn, journey: str, **params: object) -> None:
        raise RuntimeError("this turn has no navigator (built outside the conversation core)")

    async def follow_deep_link(self, turn: Turn, link: str) -> bool:
        raise RuntimeError("this turn has no navigator (built outside the conversation core)")

    def has_journey(self, journey: str) -> bool:
        return False


@dataclass
class Turn:
    """Everything a flow needs while handling one event; flows never see Telegram.

    Replies are collected here and only leave after the transaction committed, so a crash in the
    middle of a turn sends nothing and saves nothing.
    """

    session: Session
    services: Services
    user: User
    state: DialogueState
    edit_allowed: bool = False
    #: Moves to other journeys (the conversation core).
    navigator: Navigator = field(default_factory=_NoNavigation)
    #: Whether the user works for any municipality (has a staff role), as read with the turn's
    #: load; None when it was not read (see `bot.core.navigation.is_staff`). Staff roles are
    #: only granted from the command line, never by a turn, so the value holds for the turn.
    staff: bool | None = None

    def __post_init__(self) -> None:
        self.replies: list[Reply] = []
        #: The value of the step button this turn answers (None for text, commands, globals).
        self.pressed: str | None = None
        #: Irreversible actions this turn did from a step button (see `done`).
        self.done_actions: list[dict[str, Any]] = []

    # --- language -------------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        return self.user.language or "da"

    @property
    def terms(self) -> Mapping[str, str]:
        """The user's municipality's words for the grant, its pool and payment, in the user's
        language (`bot.directory.terms_for`): every catalog text of this turn may use them as
        placeholders (``{grant}``, ``{pool}`` …), and a flow's own `params` win over them."""
        return self.services.directory.terms(self.user.municipality_slug, self.lang)

    def t(self, key: str, /, **params: object) -> str:
        return t(self.lang, key, **{**self.terms, **params})

    def tn(self, key: str, n: int, /, **params: object) -> str:
        """The plural form of `key` for the count `n` in the user's language (`bot.i18n.tn`)."""
        return tn(self.lang, key, n, **{**self.terms, **params})

    # --- where the chat is ----------------------------------------------------------------------
    @property
    def journey(self) -> str:
        return self.state.journey

    @property
    def step(self) -> str:
        return self.state.step

    @property
    def data(self) -> dict[str, Any]:
        """A copy of the step's saved data: change it with `remember()` so the change is saved."""
        return dict(self.state.data or {})

    def goto(self, journey: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Move the chat to a journey's step; `data` replaces the saved data (None keeps it when
        staying in the same journey, clears it otherwise). `step` is usually a member of the
        flow's `Step` enum; it is saved as its plain string value."""
        if data is None:
            data = self.data if journey == self.state.journey else {}
        self.state.journey = journey
        self.state.step = str(step)
        self.state.data = dict(data)

    def remember(self, **changes: Any) -> None:
        """Merge `changes` into the step's saved data (saved with the turn; the chat stays on its
        step). Named apart from `dict.update`, which reads alike but saves nothing."""
        merged = self.data
        merged.update(changes)
        self.state.data = merged

    # --- answering ------------------------------------------------------------------------------
    def reply(
        self,
        text: str,
        buttons: Iterable[Sequence[Button]] = (),
        *,
        document: OutgoingDocument | None = None,
        edit: bool = False,
    ) -> None:
        """Add a message. `edit` replaces the pressed message when the event came from a button."""
        rows = tuple(tuple(row) for row in buttons if row)
        self.replies.append(Reply(text, rows, document, edit and self.edit_allowed))

    def say(self, key: str, /, buttons: Iterable[Sequence[Button]] = (), **params: object) -> None:
        """Add a catalog message; `params` are escaped, because they may hold user text."""
        safe = {name: _escape(value) for name, value in params.items()}
        self.reply(self.t(key, **safe), buttons)

    def say_n(
        self, key: str, n: int, /, buttons: Iterable[Sequence[Button]] = (), **params: object
    ) -> None:
        """`say` with the plural form of `key` for the count `n` (`bot.i18n.tn`)."""
        safe = {name: _escape(value) for name, value in params.items()}
        self.reply(self.tn(key, n, **safe), buttons)

    def button(self, key: str, value: str, /, **params: object) -> Button:
        """A button for the current step, its label from the catalog."""
        return Button(self.t(key, **params), value, ButtonScope.STEP)

    def global_button(self, key: str, value: str, /, **params: object) -> Button:
        return Button(self.t(key, **params), value, ButtonScope.GLOBAL)

    def done(self, key: str, /, button: tuple[str, str] | None = None, **params: object) -> None:
        """Remember that the pressed step button did something that cannot be done twice
        (submitted, sent, decided). A later press of that same button on the same message is
        stale, and is then answered with catalog message `key` (`params` as for `say`) and the
        optional global `button` (label key, value) instead of "that button is old".

        Kept by the core in the chat's dialogue state (`DONE_KEY`), the last few per chat.
        """
        if self.pressed is None:
            return
        self.done_actions.append(
            {
                "version": self.state.version,
                "value": self.pressed,
                "key": key,
                "params": dict(params),
                "button": list(button) if button else None,
            }
        )

    # --- messages to other chats ----------------------------------------------------------------
    def notify(
        self,
        chat_id: int,
        text: str,
        buttons: Iterable[Sequence[Button]] = (),
        *,
        dedupe_key: str | None = None,
        kind: str | None = None,
        subject_id: int | None = None,
    ) -> None:
        """Queue a message to another chat in this turn's transaction (the outbox sends it).

        `kind` and `subject_id` say what it is about, so it is checked again when it is sent
        (`bot.delivery.checks`).
        """
        rows = [
            [{"label": b.label, "payload": f"g:{b.value}"} for b in row] for row in buttons if row
        ]
        self.session.add(
            OutboxMessage(
                chat_id=chat_id,
                text=text,
                buttons=rows,
                dedupe_key=dedupe_key,
                kind=kind,
                subject_id=subject_id,
            )
        )


def _escape(value: object) -> object:
    return html.escape(value) if isinstance(value, str) else value


def escape(text: str) -> str:
    """Escape user text for Telegram HTML."""
    return html.escape(text, quote=False)
