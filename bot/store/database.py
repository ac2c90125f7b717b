"""Engines and sessions. Nothing connects on import: the composition root builds a `Database`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the scheduler and the bot read while one of them writes; foreign keys are off by
    # default in SQLite and we rely on ON DELETE CASCADE.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still survives a killed process (only a power cut can lose the last
    # commits) and spares an fsync per turn: a turn takes ~1 ms instead of ~5.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created and sane pragmas are set.

    A turn holds its connection while it awaits the NLU, so the pool must have room for every
    turn that may run at once (`pool_size`): a turn waiting for a free connection would block
    the event loop, and with it the turns that could give one back.
    """
    parsed = make_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if pool_size is not None and not in_memory:
        kwargs = {"pool_size": pool_size, "max_overflow": pool_size, **kwargs}
    if parsed.get_backend_name() == "sqlite":
        if not in_memory:
            assert parsed.database is not None
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One engine and its session factory."""

    def __init__(
        self, url: str, engine: Engine | None = None, *, pool_size: int | None = None
    ) -> None:
        self.url = url
        self.engine = engine if engine is not None else make_engine(url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """A transaction that is rolled back unless `commit()` was called (cosmicpython's pattern).

    >>> with db.unit_of_work() as uow:
    ...     uow.session.add(thing)
    ...     uow.commit()
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._sessions()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


@contextmanager
def transaction(db: Database) -> Iterator[Session]:
    """A session committed at the end of the block, rolled back on any exception."""
    with db.unit_of_work() as uow:
        yield uow.session
        uow.commit()
