"""The fallback for tables no source answers for: every row that points at the user.

A row points at the user through a foreign key to `app_user.id`, or through a column holding their
Telegram id (`telegram_id`, `chat_id`, `*_telegram_id`, or any column marked
``info={"telegram_id": True}`` such as a broadcast's `created_by`; a private chat's id is the
user's id).
Erasure clears a nullable pointer (the row belongs to someone else, e.g. an association whose
contact the user was) and deletes the row when the pointer is required (the row is theirs).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.store.models import User
from bot.store.schema import metadata

#: Tables that never hold personal data, or that only describe our own processes.
NOT_PERSONAL = frozenset({"municipality", "processed_update", "service_heartbeat"})
#: Binary values up to this size are exported (base64); larger ones are only described.
MAX_EXPORTED_BYTES = 256 * 1024


def json_safe(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO strings, bytes as base64 or a size."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        if len(value) > MAX_EXPORTED_BYTES:
            return {"bytes": len(value)}
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return value


def _user_columns(table: Table) -> list[tuple[Column[Any], str]]:
    """(column, "id" | "telegram_id"): the columns of `table` that point at a user."""
    found: list[tuple[Column[Any], str]] = []
    for column in table.columns:
        if any(fk.column.table.name == "app_user" for fk in column.foreign_keys):
            found.append((column, "id"))
        elif (
            column.name in ("telegram_id", "chat_id")
            or column.name.endswith("_telegram_id")
            or column.info.get("telegram_id")
        ):
            found.append((column, "telegram_id"))
    return found


def personal_tables(skip: frozenset[str]) -> list[tuple[Table, list[tuple[Column[Any], str]]]]:
    """Tables, children first, that point at a user and that no registered source covers."""
    tables = []
    for table in reversed(metadata.sorted_tables):
        if table.name in skip or table.name in NOT_PERSONAL or table.name == "app_user":
            continue
        columns = _user_columns(table)
        if columns:
            tables.append((table, columns))
    return tables


def _matches(column: Column[Any], kind: str, user: User) -> ColumnElement[bool]:
    return column == (user.id if kind == "id" else user.telegram_id)


def export_rows(session: Session, user: User, skip: frozenset[str]) -> dict[str, Any]:
    """{table: [row, …]} of every uncovered table with rows pointing at the user."""
    result: dict[str, Any] = {}
    for table, columns in personal_tables(skip):
        condition = or_(*(_matches(column, kind, user) for column, kind in columns))
        rows = session.execute(select(table).where(condition)).mappings().all()
        if rows:
            result[table.name] = [json_safe(dict(row)) for row in rows]
    return result


def erase_rows(session: Session, user: User, skip: frozenset[str]) -> tuple[int, int]:
    """Clear nullable pointers, delete rows with required ones: (rows deleted, rows kept with
    the pointer cleared)."""
    deleted = unlinked = 0
    for table, columns in personal_tables(skip):
        for column, kind in columns:
            condition = _matches(column, kind, user)
            if column.nullable:
                statement: Any = update(table).where(condition).values({column.name: None})
            else:
                statement = delete(table).where(condition)
            result: Any = session.execute(statement)
            if column.nullable:
                unlinked += max(int(result.rowcount or 0), 0)
            else:
                deleted += max(int(result.rowcount or 0), 0)
    return deleted, unlinked
