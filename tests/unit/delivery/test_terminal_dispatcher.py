"""The dispatcher in the terminal chat (on SQLite and PostgreSQL): the terminal user's rows are
shown in the chat and marked sent, everyone else's stay pending and are counted once."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from sqlalchemy import select

from bot.channels.terminal import TerminalChat
from bot.channels.terminal_delivery import TelegramOnlyWatch, TerminalDispatcher
from bot.core.conversation import Conversation
from bot.delivery import outbox
from bot.store.base import utcnow
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage

ME = 7001


def _statuses(db: Database) -> dict[int, str]:
    with transaction(db) as session:
        rows = session.execute(select(OutboxMessage.chat_id, OutboxMessage.status)).all()
        return {int(chat_id): str(status) for chat_id, status in rows}


async def test_only_the_terminal_users_row_is_sent_and_the_rest_are_counted(
    conversation: Conversation, database: Database, tmp_path: Path
) -> None:
    out = io.StringIO()
    chat = TerminalChat(conversation, user_id=ME, downloads=tmp_path, out=out)
    counted: list[int] = []
    watch = TelegramOnlyWatch(database, ME, counted.append)
    with transaction(database) as session:
        outbox.create_broadcast(
            session,
            key="invite",
            kind="test",
            messages=[
                outbox.Message(chat_id, "Mødeindkaldelse", [[{"label": "Ja", "payload": "p:ja"}]])
                for chat_id in (ME, 7002, 7003)
            ],
            now=utcnow(),
        )
    stop = asyncio.Event()
    dispatcher = TerminalDispatcher(chat, database, rate=25.0, poll_interval=0.05)
    running = asyncio.create_task(dispatcher.run(stop))
    for _ in range(400):  # until the row is recorded; bounded, no timing asserted
        if _statuses(database)[ME] == outbox.SENT:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await running
    watch.look()
    watch.look()  # a second look counts nothing again

    assert _statuses(database) == {ME: "sent", 7002: "pending", 7003: "pending"}
    assert "Mødeindkaldelse" in out.getvalue() and "[a] Ja" in out.getvalue()
    assert chat.event_for("a").payload == "p:ja"  # its button is a choice like any other
    assert counted == [2]


async def test_a_send_out_finished_in_the_citizens_chat_queues_the_tally_for_staff(
    conversation: Conversation, database: Database, tmp_path: Path
) -> None:
    """The citizen's row is the last of a staff member's send-out: the citizen never sees the
    tally, it waits in the outbox for the staff member (once), and it is no send-out to count."""
    staff = 7009
    out = io.StringIO()
    chat = TerminalChat(conversation, user_id=ME, downloads=tmp_path, out=out)
    counted: list[int] = []
    watch = TelegramOnlyWatch(database, ME, counted.append)
    with transaction(database) as session:
        outbox.create_broadcast(
            session,
            key="invite",
            kind="invitation",
            title="Kaffemøde",
            messages=[outbox.Message(ME, "Mødeindkaldelse", [])],
            created_by=staff,
            now=utcnow(),
        )
    stop = asyncio.Event()
    dispatcher = TerminalDispatcher(chat, database, rate=25.0, poll_interval=0.05)
    running = asyncio.create_task(dispatcher.run(stop))
    for _ in range(400):  # until the tally is queued; bounded, no timing asserted
        if staff in _statuses(database):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await running
    watch.look()

    shown = out.getvalue()
    assert "Mødeindkaldelse" in shown and "er sendt ud" not in shown
    assert _statuses(database) == {ME: "sent", staff: "pending"}
    with transaction(database) as session:
        [tally] = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == staff))
        assert "Kaffemøde</b> er sendt ud" in tally.text and "1 leveret" in tally.text
    assert counted == []
