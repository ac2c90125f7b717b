"""`frivillig import opportunities FILE.csv`: a municipality's own opportunities, with a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.core.services import Services
from bot.matching.catalog import describe, import_csv
from bot.matching.models import Association, Opportunity
from bot.store.base import utcnow
from bot.store.database import transaction


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
