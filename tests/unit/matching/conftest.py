"""Helpers for matching tests: a session on the test database and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.core.services import Services
from bot.store.database import Database
from tests.fakes.clock import FakeClock
from tests.unit.matching.seeding import ensure_seeded

#: The seed data (created 2026, expiring 2027) is current at this moment.
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def database(database: Database) -> Database:
    """The shared fixture, with the matching reference data also on PostgreSQL."""
    return ensure_seeded(database)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.unit_of_work() as uow:
        yield uow.session
        uow.commit()


@pytest.fixture
def services(services: Services) -> Services:
    """The shared services with the clock stopped at NOW (the seed data is current then); the
    `clock` fixture hands out this clock."""
    services.clock = FakeClock(NOW)
    return services
