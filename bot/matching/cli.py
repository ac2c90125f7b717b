"""`frivillig import opportunities FILE.csv`: a municipality's own opportunities, with a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.core.services import Services
from bot.i18n import t
from bot.matching.catalog import ImportReport, import_csv
from bot.matching.models import Association, Opportunity
from bot.store.base import utcnow
from bot.store.database import transaction


def describe(report: ImportReport, language: str = "da") -> list[str]:
    """The report as lines: one per refused row with every reason, then the totals."""
    if report.fatal is not None:
        return [t(language, report.fatal.key, **report.fatal.params)]
    lines = [
        t(
            language,
            "matching.import.row",
            row=number,
            problems="; ".join(t(language, p.key, **p.params) for p in problems),
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


def import_opportunities(
    services: Services, path: Path, municipality: str | None, out: TextIO = sys.stdout
) -> int:
    """Import a CSV; exit status 0 when every row went in, 1 when some were refused, 2 when the
    file could not be read at all (nothing was imported then)."""
    try:
        content = path.read_bytes()
    except OSError as error:
        print(f"{path}: {error.strerror}", file=sys.stderr)
        return 2
    with transaction(services.db) as session:
        now = utcnow()
        report = import_csv(session, services.directory, content, now, municipality=municipality)
    for line in describe(report):
        print(line, file=out if report.fatal is None and not report.refused else sys.stderr)
    if report.fatal is not None:
        return 2
    return 1 if report.refused else 0


def seed_summary(services: Services) -> str:
    with transaction(services.db) as session:
        associations = session.scalar(select(func.count()).select_from(Association)) or 0
        opportunities = session.scalar(select(func.count()).select_from(Opportunity)) or 0
    return f"associations: {associations}\nopportunities: {opportunities}"
