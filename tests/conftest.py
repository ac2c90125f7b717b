"""Shared fixtures: a real database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the conversation core, and the real PTB Application against a local fake Bot API."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from telegram.ext import Application

from bot.app import build_conversation, build_services, prepare_database
from bot.config import PROJECT_ROOT, Settings
from bot.core.conversation import Conversation
from bot.core.flood import FloodLimit
from bot.core.services import Services
from bot.directory import Directory
from bot.store.database import Database
from bot.store.schema import metadata
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chat import ChatDriver
from tests.fakes.clock import FakeClock
from tests.fakes.databases import BACKENDS, TEST_DATABASE_URL
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram import TelegramDriver


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    prepare_database(db, Directory.load(PROJECT_ROOT / "data"))
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    db = Database(TEST_DATABASE_URL)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    prepare_database(db, Directory.load(PROJECT_ROOT / "data"))
    yield db
    db.dispose()


def _empty_postgres(db: Database) -> None:
    """Remove what a test wrote, keeping the schema and the reference data."""
    keep = {"municipality", "alembic_version"}
    tables = [t.name for t in metadata.sorted_tables if t.name not in keep]
    if inspect(db.engine).has_table("apscheduler_jobs"):  # APScheduler's own, not in our models
        tables.append("apscheduler_jobs")
    with db.engine.begin() as connection:
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_database: Database | None,
) -> Iterator[Database]:
    """A real, migrated, seeded database for one test."""
    if request.param == "postgres":
        assert postgres_database is not None
        _empty_postgres(postgres_database)
        yield postgres_database
        _empty_postgres(postgres_database)
        return
    path = tmp_path / "frivillig.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        data_dir=PROJECT_ROOT / "data",
    )


@pytest.fixture
def nlu() -> FakeNlu:
    return FakeNlu()


@pytest.fixture
def services(settings: Settings, database: Database, nlu: FakeNlu) -> Services:
    return build_services(settings, db=database, nlu=nlu)


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return build_conversation(services)


@pytest.fixture
def clock(services: Services) -> FakeClock:
    """The services' clock, stopped: at the real time now, or where a directory's conftest
    stopped it for all its tests (tests/unit/matching). Move it with `clock.set(...)` and
    `clock.advance(...)` (aware UTC datetimes)."""
    if not isinstance(services.clock, FakeClock):
        services.clock = FakeClock()
    return services.clock


@pytest.fixture
def no_flood_limit(settings: Settings, conversation: Conversation) -> None:
    """No per-user flood limit: a form typed in a burst by a test is not a flood. Holds for the
    test's conversation and for any built later from the same settings (a restarted process)."""
    settings.flood_max_events = 1_000_000
    conversation.flood = FloodLimit(settings.flood_max_events, settings.flood_window_seconds)


@pytest.fixture
def chat(conversation: Conversation) -> ChatDriver:
    """A Danish user talking to the core directly (no Telegram)."""
    return ChatDriver(conversation, user_id=4242)


@pytest.fixture
async def onboarded_chat(chat: ChatDriver) -> ChatDriver:
    await chat.onboard()
    return chat


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = await FakeBotApi().start()
    yield api
    await api.stop()


@pytest.fixture
async def telegram_app(
    settings: Settings, conversation: Conversation, bot_api: FakeBotApi
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    from bot.channels.telegram import build_application

    settings.telegram_api_base_url = bot_api.base_url
    app = build_application(settings, conversation, rate_limiter=False)
    await app.initialize()
    yield app
    await app.shutdown()


@pytest.fixture
def telegram(telegram_app: Application, bot_api: FakeBotApi) -> TelegramDriver:  # type: ignore[type-arg]
    return TelegramDriver(telegram_app, bot_api, bot_api.user(5151, language_code="da"))
