"""Grant reminders: drafts a week and a day before the deadline, approved grants before the report
on use of funds is due. Queued as outbox rows with dedupe keys, so running the job twice a day, or
again after a crash, never sends a reminder twice.

Each row says what it is about (`DRAFT_KIND`, `REPORT_KIND` with the application's id), and
`bot.grants.send_checks` asks the same questions again when the dispatcher sends it: a draft
submitted, emptied or past its deadline since, or a report handed in since, gets no reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.directory import Directory, terms_for
from bot.grants.fields import babel_locale
from bot.grants.models import GrantApplication, Status
from bot.i18n import t
from bot.store.models import OutboxMessage
from bot.zones import zone_note

log = logging.getLogger(__name__)

#: Days before the deadline at which a draft is reminded, largest first, with their catalog keys.
DRAFT_REMINDERS: tuple[tuple[int, str, str], ...] = (
    (7, "grant-draft-7d", "grants.reminder.draft_7d"),
    (1, "grant-draft-1d", "grants.reminder.draft_1d"),
)
#: How long before `report_due` an approved grant is reminded of its report.
REPORT_REMINDER_DAYS = 30
#: Outbox row kinds (`bot.delivery.checks`); the subject is the application's id.
DRAFT_KIND = "grants:draft_reminder"
REPORT_KIND = "grants:report_reminder"


def draft_needs_reminder(app: GrantApplication, today: date) -> bool:
    """A deadline reminder applies to a draft that is still a draft, still has its applicant, has
    at least one answer to the form (eligibility answers alone are no application to finish) and
    whose deadline (a calendar day where the municipality is) is `today` or later."""
    return (
        app.is_draft
        and app.user is not None
        and bool(app.answers)
        and app.deadline is not None
        and app.deadline >= today
    )


def report_needs_reminder(app: GrantApplication) -> bool:
    """A report reminder applies while the grant is approved and its report not handed in (the
    status moves on to ``reported`` when it is)."""
    return (
        app.status == Status.APPROVED.value and app.user is not None and app.report_due is not None
    )


def queue_grant_reminders(
    session: Session,
    today: date,
    now: datetime,
    *,
    municipalities: Collection[str] | None = None,
    schemes: Mapping[str, Any] | None = None,
    zone: str = "Europe/Copenhagen",
    directory: Directory | None = None,
) -> int:
    """Queue every reminder due `today` (the local calendar day of `municipalities`, all when
    None); returns how many were queued (already queued: skipped). Dates in the texts are
    calendar days in `zone` (IANA), labelled for Greenland (»grønlandsk tid«, `bot.zones`).

    A reminder is due from its day until the deadline, so a day the job missed (the process was
    down) is caught up the next day; only the latest applicable draft reminder is sent. With
    `schemes` (slug → `GrantScheme`), a draft whose round is no longer in its scheme (the round
    was cancelled) is not reminded. With `directory`, the texts use the municipality's own words
    for its pool (`bot.directory.terms_for`: »§ 18-puljen«, Sermersooq's own pool); without it,
    neutral ones.
    """
    queued = 0
    drafts = session.scalars(
        select(GrantApplication).where(
            GrantApplication.status == Status.DRAFT.value,
            GrantApplication.deadline.is_not(None),
            GrantApplication.deadline >= today,
            GrantApplication.deadline <= today + timedelta(days=DRAFT_REMINDERS[0][0]),
            *_in(municipalities),
        )
    )
    for draft in drafts:
        assert draft.deadline is not None
        days_left = (draft.deadline - today).days
        due = [r for r in DRAFT_REMINDERS if days_left <= r[0]]
        if not due or not draft_needs_reminder(draft, today) or draft.user is None:
            continue
        if schemes is not None and not _round_exists(schemes, draft):
            continue
        _, prefix, key = due[-1]
        lang = draft.user.language or draft.language
        text = t(
            lang,
            key,
            deadline=_long_date(draft.deadline, lang) + zone_note(zone, lang),
            **_terms(directory, draft.municipality_slug, lang),
        )
        # The payload of a GLOBAL button, as `Turn.notify` writes it.
        button = [{"label": t(lang, "grants.button.continue"), "payload": "g:grants:continue"}]
        queued += _queue(
            session,
            draft.user.telegram_id,
            text,
            [button],
            f"{prefix}:{draft.id}",
            DRAFT_KIND,
            draft.id,
        )
    approved = session.scalars(
        select(GrantApplication).where(
            GrantApplication.status == Status.APPROVED.value,
            GrantApplication.report_due.is_not(None),
            GrantApplication.report_due <= today + timedelta(days=REPORT_REMINDER_DAYS),
            *_in(municipalities),
        )
    )
    for app in approved:
        if not report_needs_reminder(app) or app.user is None or app.report_due is None:
            continue
        lang = app.user.language or app.language
        text = t(
            lang,
            "grants.reminder.report",
            reference=app.reference or "",
            report_due=_long_date(app.report_due, lang) + zone_note(zone, lang),
        )
        button = [
            {"label": t(lang, "grants.button.report"), "payload": f"g:grants:report:{app.id}"}
        ]
        queued += _queue(
            session,
            app.user.telegram_id,
            text,
            [button],
            f"grant-report:{app.id}",
            REPORT_KIND,
            app.id,
        )
    log.info("grant.reminders_queued", extra={"count": queued, "day": today.isoformat()})
    return queued


def _terms(directory: Directory | None, slug: str, lang: str) -> Mapping[str, str]:
    return directory.terms(slug, lang) if directory else terms_for(None, lang)


def _in(municipalities: Collection[str] | None) -> list[ColumnElement[bool]]:
    if municipalities is None:
        return []
    return [GrantApplication.municipality_slug.in_(list(municipalities))]


def _round_exists(schemes: Mapping[str, Any], draft: GrantApplication) -> bool:
    scheme = schemes.get(draft.municipality_slug)
    return scheme is not None and any(r.key == draft.round_key for r in scheme.rounds)


def _queue(
    session: Session,
    chat_id: int,
    text: str,
    buttons: list[list[dict[str, str]]],
    key: str,
    kind: str,
    subject_id: int,
) -> int:
    exists = session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
    ).first()
    if exists is not None:
        return 0
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            text=text,
            buttons=buttons,
            dedupe_key=key,
            kind=kind,
            subject_id=subject_id,
        )
    )
    session.flush()
    return 1


def _long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=babel_locale(lang))
