"""Writing the catalog: associations and opportunities from `data/`, from a CSV, from staff.

Every write is an upsert by `key`, so `frivillig seed` and a repeated import change nothing the
second time. Nothing here knows Telegram.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory import Directory, fold
from bot.i18n import t
from bot.matching.models import Association, Opportunity
from bot.matching.records import OpportunityRecord, Problem, parse_opportunity

log = logging.getLogger(__name__)

#: The columns of an import file, in the order of the template (README, "Importér opslag").
CSV_COLUMNS = (
    "key",
    "association",
    "title",
    "description",
    "town",
    "areas",
    "activities",
    "availability",
    "one_off_date",
    "hours_per_week",
    "min_age",
    "child_certificate",
    "other_requirements",
    "spots",
    "status",
    "expires",
)
REQUIRED_COLUMNS = frozenset({"key", "association", "title", "town", "areas"})
MAX_IMPORT_BYTES = 2 * 1024 * 1024


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    #: (row number as a spreadsheet shows it, the problems of that row)
    refused: list[tuple[int, list[Problem]]] = field(default_factory=list)
    #: A problem with the whole file (not UTF-8, no header …): nothing was imported.
    fatal: Problem | None = None


def association_scope(session: Session, municipality: str | None = None) -> dict[str, str]:
    """Association keys → municipality, for every association a writer may attach to."""
    query = select(Association.key, Association.municipality_slug)
    if municipality is not None:
        query = query.where(Association.municipality_slug == municipality)
    return {str(key): str(slug) for key, slug in session.execute(query)}


def upsert_association(session: Session, item: Mapping[str, Any]) -> Association:
    row = session.scalars(select(Association).where(Association.key == item["key"])).one_or_none()
    if row is None:
        row = Association(key=str(item["key"]))
        session.add(row)
    contact = item.get("contact") or {}
    row.municipality_slug = str(item["municipality"])
    row.name = str(item["name"])
    row.description = str(item.get("description") or "").strip()
    row.contact_name = contact.get("name")
    row.contact_email = contact.get("email")
    row.contact_phone = str(contact["phone"]) if contact.get("phone") else None
    row.website = item.get("website") or None
    # `contact_telegram_id` is linked in the running system, never overwritten by the data files.
    return row


def upsert_opportunity(
    session: Session, record: OpportunityRecord, association_ids: Mapping[str, int], now: datetime
) -> bool:
    """Insert or update one opportunity; True when it is new."""
    row = session.scalars(select(Opportunity).where(Opportunity.key == record.key)).one_or_none()
    created = row is None
    if row is None:
        row = Opportunity(key=record.key, created_at=record.created_at or now, interest_count=0)
        session.add(row)
    elif record.created_at is not None:
        row.created_at = record.created_at
    row.association_id = association_ids[record.association_key]
    row.municipality_slug = record.municipality_slug
    row.title = record.title
    row.description = record.description
    row.town = record.town
    row.latitude = record.latitude
    row.longitude = record.longitude
    row.area_mask = record.area_mask
    row.activity_mask = record.activity_mask
    row.availability_mask = record.availability_mask
    row.one_off_date = record.one_off_date
    row.hours_per_week = record.hours_per_week
    row.min_age = record.min_age
    row.child_certificate = record.child_certificate
    row.other_requirements = record.other_requirements
    row.spots = record.spots
    row.status = record.status
    row.expires_at = record.expires_at
    return created


def _association_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Association.key, Association.id)).all())


def import_rows(
    session: Session,
    directory: Directory,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    now: datetime,
    *,
    municipality: str | None = None,
    only_new: bool = False,
) -> ImportReport:
    """Validate and upsert numbered rows; a refused row changes nothing, the others go in.

    `only_new` inserts missing keys and leaves existing rows alone (counted as updated=0).

    With `municipality`, only that municipality's associations and opportunities may be written
    (a staff import): a key that belongs elsewhere is refused without saying whose it is.
    """
    report = ImportReport()
    scope = association_scope(session, municipality)
    ids = _association_ids(session)
    seen: set[str] = set()
    for number, row in rows:
        parsed = parse_opportunity(row, directory, scope)
        if isinstance(parsed, list):
            report.refused.append((number, parsed))
            continue
        if parsed.key in seen:
            report.refused.append(
                (number, [Problem("matching.import.duplicate_key", {"value": parsed.key})])
            )
            continue
        seen.add(parsed.key)
        existing = session.scalars(
            select(Opportunity.municipality_slug).where(Opportunity.key == parsed.key)
        ).one_or_none()
        if existing is not None and existing != parsed.municipality_slug:
            report.refused.append(
                (number, [Problem("matching.import.key_taken", {"value": parsed.key})])
            )
            continue
        if existing is not None and only_new:
            continue
        if upsert_opportunity(session, parsed, ids, now):
            report.created += 1
        else:
            report.updated += 1
    session.flush()
    log.info(
        "matching.import",
        extra={
            "inserted": report.created,
            "updated": report.updated,
            "refused": len(report.refused),
        },
    )
    return report


def column_name(column: str, language: str = "da") -> str:
    """How staff name import column `column` (one of `CSV_COLUMNS`) in `language`: »titel« in
    Danish, »title« in English (`matching.column.*`)."""
    return t(language, f"matching.column.{column}")


def _header_key(name: str) -> str:
    # »Timer pr. uge«, »timer_pr_uge« and »TIMER PR UGE« are one column.
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _columns_by_name() -> dict[str, str]:
    """Every column by each name a header may give it: the canonical (English) name and its
    Danish and English catalog names, as `_header_key` reads them."""
    names: dict[str, str] = {}
    for column in (*CSV_COLUMNS, "created"):  # »created« as `data/opportunities.yaml` has it
        names[_header_key(column)] = column
        for language in ("da", "en"):
            names[_header_key(column_name(column, language))] = column
    return names


def read_csv(content: bytes) -> list[tuple[int, dict[str, str]]] | Problem:
    """Rows of a CSV file numbered as a spreadsheet shows them (the header is row 1).

    UTF-8 (with or without the BOM Excel writes); the delimiter is detected, because Danish Excel
    saves with ";" and most other tools with ",".
    """
    if len(content) > MAX_IMPORT_BYTES:
        return Problem("matching.import.too_big", {"limit": MAX_IMPORT_BYTES // (1024 * 1024)})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem("matching.import.not_utf8")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = _columns_by_name()
    header = [
        names.get(_header_key(name), name.strip().lower()) for name in reader.fieldnames or []
    ]
    missing = [column for column in CSV_COLUMNS if column in REQUIRED_COLUMNS - set(header)]
    if missing:
        return Problem("matching.import.missing_columns", {"columns": ", ".join(missing)})
    reader.fieldnames = header
    rows = []
    for index, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if any(row.values()):  # blank lines at the end of a sheet are not errors
            rows.append((index, row))
    return rows


def _shown(problem: Problem, language: str) -> str:
    """One problem in `language`, its columns named as staff name them there (»titel«)."""
    params = dict(problem.params)
    if "column" in params:
        params["column"] = column_name(str(params["column"]), language)
    if "columns" in params:
        columns = str(params["columns"]).split(", ")
        params["columns"] = ", ".join(column_name(column, language) for column in columns)
    return t(language, problem.key, **params)


def describe(report: ImportReport, language: str = "da") -> list[str]:
    """The report as lines: one per refused row with every reason, then the totals."""
    if report.fatal is not None:
        return [_shown(report.fatal, language)]
    lines = [
        t(
            language,
            "matching.import.row",
            row=number,
            problems="; ".join(_shown(p, language) for p in problems),
        )
        for number, problems in report.refused
    ]
    lines.append(
        t(
            language,
            "matching.import.summary",
            created=report.created,
            updated=report.updated,
            refused=len(report.refused),
        )
    )
    return lines


def import_csv(
    session: Session,
    directory: Directory,
    content: bytes,
    now: datetime,
    *,
    municipality: str | None = None,
) -> ImportReport:
    rows = read_csv(content)
    if isinstance(rows, Problem):
        return ImportReport(fatal=rows)
    return import_rows(session, directory, rows, now, municipality=municipality)


@dataclass
class SeedReport:
    associations: int
    opportunities: ImportReport


def seed_matching(
    session: Session, directory: Directory, data_dir: Path, now: datetime
) -> SeedReport:
    """Load `data/associations.yaml` and `data/opportunities.yaml` (either may be missing).

    Runs at every start-up, so opportunities already in the database are left as they are: a
    staff member's edit or closing must survive a restart. Associations are updated (their
    linked Telegram contact is kept). A CSV import, by contrast, updates existing keys.
    """
    associations_path = data_dir / "associations.yaml"
    opportunities_path = data_dir / "opportunities.yaml"
    count = 0
    if associations_path.exists():
        items = yaml.safe_load(associations_path.read_text(encoding="utf-8")) or []
        for item in items:
            if item.get("municipality") in directory.municipalities:
                upsert_association(session, item)
                count += 1
        session.flush()
    report = ImportReport()
    if opportunities_path.exists():
        items = yaml.safe_load(opportunities_path.read_text(encoding="utf-8")) or []
        report = import_rows(session, directory, enumerate(items, start=1), now, only_new=True)
        for number, problems in report.refused:
            log.warning(
                "matching.seed.refused",
                extra={"item": number, "problems": [p.key for p in problems]},
            )
    return SeedReport(count, report)
