"""What the rest of the application reaches through `services.features["matching"]`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.matching.catalog import ImportReport, SeedReport, import_csv, seed_matching


@dataclass
class MatchingFeature:
    data_dir: Path

    def seed(self, session: Session, directory: Directory, now: datetime) -> SeedReport:
        return seed_matching(session, directory, self.data_dir, now)

    def import_csv(
        self,
        session: Session,
        directory: Directory,
        content: bytes,
        now: datetime,
        municipality: str | None = None,
    ) -> ImportReport:
        return import_csv(session, directory, content, now, municipality=municipality)

    def register_jobs(self, scheduler: Any) -> None:
        from scheduler.jobs.matching_alerts import register_matching_jobs

        register_matching_jobs(scheduler)
