"""Send-time checks of grant reminders (`bot.delivery.checks`): the same rules as when they were
queued (`bot.grants.reminders`), asked again when the dispatcher's turn comes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.checks import register_check
from bot.grants.models import GrantApplication
from bot.grants.reminders import (
    DRAFT_KIND,
    REPORT_KIND,
    draft_needs_reminder,
    report_needs_reminder,
)
from bot.zones import municipality_zone


def _own(session: Session, chat_id: int, app_id: int | None) -> GrantApplication | None:
    app = session.get(GrantApplication, app_id) if app_id is not None else None
    if app is None or app.user is None or app.user.telegram_id != chat_id:
        return None
    return app


def draft_reminder_applies(
    session: Session, chat_id: int, app_id: int | None, now: datetime
) -> bool:
    """Still a draft with answers, of the same applicant, its deadline not passed (`now`: UTC).

    The deadline is a calendar day where the municipality is (midnight in Nuuk comes four or
    five hours after Copenhagen's), the same day the job queued the reminder by
    (`scheduler.zones`: one daily job per zone)."""
    app = _own(session, chat_id, app_id)
    if app is None:
        return False
    zone = ZoneInfo(municipality_zone(session, app.municipality_slug))
    return draft_needs_reminder(app, now.astimezone(zone).date())


def report_reminder_applies(
    session: Session, chat_id: int, app_id: int | None, now: datetime
) -> bool:
    """Still approved (the report not handed in), of the same applicant."""
    app = _own(session, chat_id, app_id)
    return app is not None and report_needs_reminder(app)


register_check(DRAFT_KIND, draft_reminder_applies)
register_check(REPORT_KIND, report_reminder_applies)
