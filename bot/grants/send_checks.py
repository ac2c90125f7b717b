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

#: Deadlines are calendar days in Copenhagen (as in `scheduler.jobs.grants`).
_DEADLINE_ZONE = ZoneInfo("Europe/Copenhagen")


def _own(session: Session, chat_id: int, app_id: int | None) -> GrantApplication | None:
    app = session.get(GrantApplication, app_id) if app_id is not None else None
    if app is None or app.user is None or app.user.telegram_id != chat_id:
        return None
    return app


def draft_reminder_applies(
    session: Session, chat_id: int, app_id: int | None, now: datetime
) -> bool:
    """Still a draft with answers, of the same applicant, its deadline not passed (`now`: UTC)."""
    app = _own(session, chat_id, app_id)
    return app is not None and draft_needs_reminder(app, now.astimezone(_DEADLINE_ZONE).date())


def report_reminder_applies(
    session: Session, chat_id: int, app_id: int | None, now: datetime
) -> bool:
    """Still approved (the report not handed in), of the same applicant."""
    app = _own(session, chat_id, app_id)
    return app is not None and report_needs_reminder(app)


register_check(DRAFT_KIND, draft_reminder_applies)
register_check(REPORT_KIND, report_reminder_applies)
