"""Delivery in the terminal chat: the outbox dispatcher with the terminal as its "bot".

Rows for the terminal user's chat are sent into the terminal, as Telegram would show them.
Rows for anyone else can only reach them through Telegram: they are never claimed here, so they
stay ``pending`` (neither sent nor failed) until the bot runs with a token, and the chat says
once per send-out how many recipients wait for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select
from telegram import Bot, InlineKeyboardMarkup, InputFile

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage

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

    async def edit_message_text(self, text: str, **_: Any) -> _Sent:
        self.chat.show_delivered(text, [])
        return self._next_id()


class TerminalDispatcher(Dispatcher):
    """The outbox dispatcher for one chat: only the terminal user's rows are claimed."""

    def __init__(self, chat: TerminalChat, db: Database, **options: Any) -> None:
        super().__init__(cast(Bot, TerminalBot(chat)), db, **options)
        self.chat_id = chat.user_id

    def _claim_more(self) -> int:
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


class TelegramOnlyWatch:
    """Counts the recipients of each new send-out who can only be reached through Telegram.

    A send-out is a broadcast (one count per broadcast) or, for single messages without one, the
    rows queued together between two looks. Rows queued before the chat started are not counted
    again. `report(count)` is called once per send-out with a count above zero.
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
