"""Where each feature says how to export and how to erase what it stores about a user.

A feature that keeps personal data registers one `DataSource` (at import of its privacy module,
see `bot.privacy.sources`). `tables` names the tables the source answers for; every other table
that points at a user is still exported and erased by the generic fallback in
`bot.privacy.generic`, so a feature that forgets to register leaks nothing and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import User

#: Everything one source stores about the user, JSON-able (dates as ISO strings).
Exporter = Callable[[Session, User], dict[str, Any]]
#: Erases the user's data in the session (never commits) at `now` (UTC). What the user held is
#: released through the feature's own withdraw/cancel functions, with the same effects on others
#: (a freed seat goes to the waitlist, who is told). Returns catalog keys of notes telling the user
#: what had to be kept and why (e.g. submitted applications, anonymised); [] if nothing.
Eraser = Callable[[Session, User, datetime], list[str]]


@dataclass(frozen=True)
class DataSource:
    name: str
    export: Exporter
    erase: Eraser
    tables: frozenset[str]


_SOURCES: dict[str, DataSource] = {}


def register(name: str, export: Exporter, erase: Eraser, *, tables: Iterable[str] = ()) -> None:
    """Add (or replace, by `name`) a source; `name` keys the section in the export file."""
    _SOURCES[name] = DataSource(name, export, erase, frozenset(tables))


def is_registered(name: str) -> bool:
    return name in _SOURCES


def sources() -> list[DataSource]:
    """Every registered source, in registration order (the core's first)."""
    return list(_SOURCES.values())


def covered_tables() -> frozenset[str]:
    return frozenset().union(*(source.tables for source in _SOURCES.values()))
