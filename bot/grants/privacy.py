"""/mydata and /deletedata for grant applications: drafts are deleted, sent applications are
kept for the municipality's accounts but cut loose from the person and stripped of contact data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.grants.service import GrantService
from bot.privacy.generic import json_safe
from bot.privacy.registry import register
from bot.store.models import User


def register_grant_privacy(service: GrantService) -> None:
    """Register the grants data source (replaces the generic fallback for our tables)."""

    def export(session: Session, user: User) -> dict[str, Any]:
        return {"applications": json_safe(service.export_personal_data(session, user))}

    def erase(session: Session, user: User, now: datetime) -> list[str]:
        kept = [app for app in service.applications_of(session, user) if not app.is_draft]
        service.erase_personal_data(session, user)
        return ["grants.privacy.kept_anonymised"] if kept else []

    register(
        "grant_applications",
        export,
        erase,
        tables=["grant_application", "grant_reference_counter"],
    )
