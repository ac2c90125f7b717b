"""A database connection lost in the middle of a turn: retried once on a fresh connection when the
server dropped it; otherwise the user is told to try again in a moment, nothing half-done is saved,
and the next message works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import OperationalError

from bot.core.conversation import Conversation
from bot.store.database import Database
from bot.store.models import User
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.databases import TEST_DATABASE_URL


class Saboteur:
    """Breaks the connection under the first write statement of a turn, once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.armed = False
        self.fired = 0

    def before_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.armed or not statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
            return
        self.armed = False
        self.fired += 1
        if self.engine.dialect.name == "postgresql":
            # A real loss: the server ends this very connection from the outside.
            pid = conn.connection.dbapi_connection.info.backend_pid
            with self.engine.connect() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                killer.commit()
            return  # the statement now runs on a dead connection and fails for real
        raise OperationalError(statement, {}, Exception("disk I/O error: connection lost"))


@pytest.fixture
def saboteur(database: Database) -> Iterator[Saboteur]:
    sabotage = Saboteur(database.engine)
    event.listen(database.engine, "before_cursor_execute", sabotage.before_execute)
    yield sabotage
    event.remove(database.engine, "before_cursor_execute", sabotage.before_execute)


async def test_a_lost_connection_mid_turn_is_survived(
    onboarded_chat: ChatDriver, conversation: Conversation, saboteur: Saboteur
) -> None:
    await onboarded_chat.send("/language")
    saboteur.armed = True
    replies = await onboarded_chat.press("English")  # the turn that loses its connection
    assert saboteur.fired == 1
    with conversation.services.db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.telegram_id == 4242)).one()
        language = user.language
    if conversation.services.db.is_postgres:
        # A connection the server dropped is discarded by the pool and the turn retried once
        # on a fresh one: the user just sees their answer.
        assert "The language is now English" in text_of(replies)
        assert language == "en"
        volunteer_button = "Find volunteer work"
    else:
        # An error that is not a lost connection is not retried: the user is told to try
        # again, and nothing half-done was saved.
        assert "prøv igen om et øjeblik" in text_of(replies)
        assert language == "da"
        await onboarded_chat.send("/language")
        volunteer_button = "Find frivilligt arbejde"

    replies = await onboarded_chat.send("/menu")  # the next message works
    assert any(volunteer_button in label for label in labels_of(replies))
    replies = await onboarded_chat.send("/language")
    replies = await onboarded_chat.press("English")
    assert "English" in text_of(replies)


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL")
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_connections_dropped_between_turns_are_replaced_silently(
    onboarded_chat: ChatDriver, database: Database
) -> None:
    """A database restart or failover between messages: pool_pre_ping finds the dead
    connections when they are taken from the pool, and the user notices nothing."""
    with database.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        connection.commit()
    replies = await onboarded_chat.send("/menu")
    assert "øjeblik" not in text_of(replies)
    assert any("frivillig" in label.lower() for label in labels_of(replies))
