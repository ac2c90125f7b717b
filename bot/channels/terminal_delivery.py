"""Delivery in the terminal chat: the outbox dispatcher with the terminal as its "bot".

Rows for the terminal user's chat are sent into the terminal, as Telegram would show them.
Rows for anyone else can only reach them through Telegram: they are never claimed here, so they
stay ``pending`` (neither sent nor failed) until the bot runs with a token (or that user opens
`frivillig chat --as ID`), and the chat says once per send-out how many recipients wait for that.

A send-out's final tally belongs to the staff member who sent it. When it is finished in someone
else's chat (the citizen's, whose row was the last), it is queued for the staff member like any
other message, never shown to the citizen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, or_, select
from telegram import Bot, InlineKeyboardMarkup, InputFile

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher, Progress
from bot.store.base import utcnow
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage

#: The dedupe key of a final tally queued for a staff member (one per broadcast).
TALLY_KEY = "tally:{broadcast_id}"

if TYPE_CHECKING:
    from bot.channels.terminal import TerminalChat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Sent:
    """What `Bot.send_message` returns, as far as the dispatcher reads it."""

    message_id: int


def _buttons(markup: Any) -> list[list[tuple[str, str]]]:
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [
        [(button.text, str(button.callback_data or "")) for button in row]
        for row in markup.inline_keyboard
    ]


class TerminalBot:
    """The few `telegram.Bot` calls the dispatcher makes, answered by the terminal chat.

    Only the terminal user's chat is ever given to it (`TerminalDispatcher` claims no other row);
    a progress message is shown again instead of edited (a terminal cannot edit).
    """

    def __init__(self, chat: TerminalChat) -> None:
        self.chat = chat
        self._message_ids = 0

    def _next_id(self) -> _Sent:
        self._message_ids += 1
        return _Sent(self._message_ids)

    async def send_message(
        self, chat_id: int, text: str, reply_markup: Any = None, **_: Any
    ) -> _Sent:
        if chat_id == self.chat.user_id:  # anything else is never shown to this user
            self.chat.show_delivered(text, _buttons(reply_markup))
        return self._next_id()

    async def send_document(
        self,
        chat_id: int,
        document: InputFile,
        caption: str | None = None,
        reply_markup: Any = None,
        **_: Any,
    ) -> _Sent:
        content = document.input_file_content
        body = content if isinstance(content, bytes) else content.read()
        self.chat.show_delivered(
            caption or "", _buttons(reply_markup), document=(document.filename or "fil", body)
        )
        return self._next_id()

    async def edit_message_text(self, text: str, chat_id: int | None = None, **_: Any) -> _Sent:
        if chat_id == self.chat.user_id:
            self.chat.show_delivered(text, [])
        return self._next_id()


class TerminalDispatcher(Dispatcher):
    """The outbox dispatcher for one chat: only the terminal user's rows are claimed."""

    def __init__(self, chat: TerminalChat, db: Database, **options: Any) -> None:
        super().__init__(cast(Bot, TerminalBot(chat)), db, **options)
        self.chat_id = chat.user_id

    async def _claim_more(self) -> int:
        if self._tasks:  # one chat: one message at a time, in order
            return 0
        with transaction(self.db) as session:
            rows = outbox.claim(
                session, worker=self.worker, limit=1, now=self.clock(), chat_id=self.chat_id
            )
        for row in rows:
            self._inflight_chats.add(row.chat_id)
            task = asyncio.create_task(self._send(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def _tell_staff(
        self, chat_id: int, message_id: int | None, action: str, p: Progress, language: str
    ) -> int | None:
        if chat_id == self.chat_id:
            return await super()._tell_staff(chat_id, message_id, action, p, language)
        if action == "tally":  # progress for someone else is a courtesy no one would see
            queue_tally(self.db, chat_id, self.staff_text(action, p, language), p.broadcast_id)
        return None


def queue_tally(db: Database, chat_id: int, text: str, broadcast_id: int) -> None:
    """Queue a send-out's final tally for the staff member `chat_id` (once per broadcast)."""
    key = TALLY_KEY.format(broadcast_id=broadcast_id)
    with transaction(db) as session:
        if session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
            return
        now = utcnow()
        session.add(
            OutboxMessage(
                chat_id=chat_id,
                text=text,
                buttons=[],
                dedupe_key=key,
                status=outbox.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )


class TelegramOnlyWatch:
    """Counts the recipients of each new send-out who can only be reached through Telegram.

    A send-out is a broadcast (one count per broadcast) or, for single messages without one, the
    rows queued together between two looks. Rows queued before the chat started are not counted
    again, nor a staff member's queued tally (it is not a send-out). `report(count)` is called
    once per send-out with a count above zero.
    """

    def __init__(self, db: Database, chat_id: int, report: Callable[[int], None]) -> None:
        self.db = db
        self.chat_id = chat_id
        self.report = report
        with transaction(db) as session:
            self.last_id = int(session.scalar(select(func.max(OutboxMessage.id))) or 0)

    def look(self) -> None:
        """Report the send-outs queued since the last look."""
        with transaction(self.db) as session:
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.broadcast_id).where(
                    OutboxMessage.id > self.last_id,
                    OutboxMessage.chat_id != self.chat_id,
                    OutboxMessage.status == outbox.PENDING,
                    or_(
                        OutboxMessage.dedupe_key.is_(None),
                        OutboxMessage.dedupe_key.not_like(TALLY_KEY.format(broadcast_id="%")),
                    ),
                )
            ).all()
        counts: dict[int | None, int] = {}
        for row_id, broadcast_id in rows:
            self.last_id = max(self.last_id, int(row_id))
            counts[broadcast_id] = counts.get(broadcast_id, 0) + 1
        for count in counts.values():
            self.report(count)

    async def run(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        while not stop.is_set():
            try:
                self.look()
            except Exception:  # a courtesy note must never end the chat
                log.exception("terminal.watch_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
