"""Grant applications in the database: drafts, submission, the applicant's own list, staff review.

Knows nothing of Telegram: the flows call these functions inside the turn's transaction and render
what comes back. Every staff function takes the acting staff member's Telegram id and checks it
against the application's municipality itself, so a forged button can neither change nor reveal
anything (`ApplicationNotFoundError` for an id outside the staff member's municipality).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload, load_only

from bot.grants import documents
from bot.grants.fields import JsonValue
from bot.grants.forms import FormWalker
from bot.grants.models import REVIEWABLE, GrantApplication, GrantReferenceCounter, Status
from bot.grants.notices import Terms, notify_applicant
from bot.grants.references import reference_for, round_year
from bot.grants.schemes import FieldSpec, FieldType, GrantScheme
from bot.i18n import t
from bot.staff import audit
from bot.staff.access import require_staff
from bot.staff.audit import Channel
from bot.staff.models import AuditEntry
from bot.store.models import User
from bot.validation.errors import InvalidInput
from bot.zones import municipality_zone

log = logging.getLogger(__name__)

#: When the report on use of funds is due for schemes without rounds (open all year).
REPORT_AFTER_ALL_YEAR = timedelta(days=365)
PAGE_SIZE = 8
#: `AuditEntry.subject_kind` of an application.
AUDIT_KIND = "grant_application"


class ApplicationNotFoundError(LookupError):
    """No such application for this user or staff member (also for ids of others: say nothing).

    Carries no message: the screen says "grants.not_found" where it fits. A request the service
    refuses for a reason the user can read (a closed round, a decision already made) is an
    `InvalidInput` with its catalog key, the one way to say no (bot/validation/errors.py).
    """


@dataclass(frozen=True)
class RoundInfo:
    """The round an application made today belongs to. All-year schemes count calendar years."""

    key: str
    deadline: date | None
    decision_by: date | None
    report_due: date | None


@dataclass
class RoundFigures:
    """One round at a glance: applications by status, øre applied for and granted."""

    key: str
    by_status: dict[str, int]
    applied: int
    granted: int

    @property
    def count(self) -> int:
        return sum(self.by_status.values())


def is_declaration(spec: FieldSpec) -> bool:
    """The declaration on honour is asked after the summary, not in the walk."""
    return spec.type is FieldType.YES_NO and spec.must_be is True


class GrantService:
    """Everything grants needs from the database; registered as `services.grants`."""

    def __init__(self, schemes: Mapping[str, GrantScheme], terms: Terms | None = None) -> None:
        self.schemes = dict(schemes)
        #: The municipalities' own words for the applicant's notices (`Directory.terms`).
        self.terms = terms
        self.walkers = {slug: FormWalker(scheme) for slug, scheme in self.schemes.items()}

    # --- schemes and rounds ---------------------------------------------------------------------
    def scheme(self, slug: str | None) -> GrantScheme | None:
        return self.schemes.get(slug or "")

    def walker(self, slug: str) -> FormWalker:
        return self.walkers[slug]

    def current_round(self, scheme: GrantScheme, today: date) -> RoundInfo | None:
        """The round accepting applications today, or None when the deadlines have passed."""
        if scheme.open_all_year:
            return RoundInfo(str(today.year), None, None, None)
        found = scheme.open_round(today)
        if found is None:
            return None
        return RoundInfo(found.key, found.deadline, found.decision_by, found.report_due)

    def round_info(self, scheme: GrantScheme, key: str) -> RoundInfo:
        for found in scheme.rounds:
            if found.key == key:
                return RoundInfo(found.key, found.deadline, found.decision_by, found.report_due)
        return RoundInfo(key, None, None, None)

    def round_keys(self, session: Session, slug: str) -> list[str]:
        """Rounds with applications, and the scheme's own, newest first."""
        scheme = self.scheme(slug)
        keys = {r.key for r in scheme.rounds} if scheme else set()
        keys.update(
            session.scalars(
                select(GrantApplication.round_key)
                .where(GrantApplication.municipality_slug == slug)
                .distinct()
            )
        )
        return sorted(keys, reverse=True)

    # --- drafts ---------------------------------------------------------------------------------
    def find_draft(self, session: Session, user: User, slug: str) -> GrantApplication | None:
        """The user's latest draft in this municipality, whatever its round."""
        return session.scalars(
            select(GrantApplication)
            .where(
                GrantApplication.user_id == user.id,
                GrantApplication.municipality_slug == slug,
                GrantApplication.status == Status.DRAFT.value,
            )
            .order_by(GrantApplication.updated_at.desc(), GrantApplication.id.desc())
        ).first()

    def start_draft(
        self, session: Session, user: User, slug: str, info: RoundInfo, now: datetime
    ) -> GrantApplication:
        """A new draft; an existing draft of this user for the same round is reused."""
        existing = session.scalars(
            select(GrantApplication).where(
                GrantApplication.user_id == user.id,
                GrantApplication.municipality_slug == slug,
                GrantApplication.round_key == info.key,
                GrantApplication.status == Status.DRAFT.value,
            )
        ).first()
        if existing is not None:
            return existing
        draft = GrantApplication(
            user_id=user.id,
            municipality_slug=slug,
            round_key=info.key,
            deadline=info.deadline,
            status=Status.DRAFT.value,
            language=user.language or "da",
            eligibility={},
            answers={},
            messages=[],
            created_at=now,
            updated_at=now,
        )
        session.add(draft)
        session.flush()
        log.info("grant.draft_started", extra={"application_id": draft.id, "slug": slug})
        return draft

    def own_draft(self, session: Session, user: User, draft_id: object) -> GrantApplication:
        """The user's draft with this id; `ApplicationNotFoundError` for anything else."""
        found = self.own_application(session, user, draft_id)
        if not found.is_draft:
            raise ApplicationNotFoundError
        return found

    def reset_draft(self, draft: GrantApplication, now: datetime) -> None:
        """Start over: the same row, emptied (keeps "one draft per round" trivially true)."""
        draft.eligibility = {}
        draft.answers = {}
        draft.current_field = None
        draft.association_key = None
        draft.applicant_name = None
        draft.amount_applied = None
        draft.updated_at = now

    def save_eligibility(
        self, draft: GrantApplication, answers: Mapping[str, bool], now: datetime
    ) -> None:
        draft.eligibility = dict(answers)
        draft.updated_at = now

    def save_answers(
        self,
        session: Session,
        draft: GrantApplication,
        answers: Mapping[str, JsonValue],
        current_field: str | None,
        now: datetime,
    ) -> None:
        """Store the answers (after every single answer); refuses a second application of the
        same association in the same round with ``grants.duplicate_association``."""
        scheme = self.schemes[draft.municipality_slug]
        key = association_key(scheme, answers)
        if key is not None and key != draft.association_key:
            taken = session.scalars(
                select(GrantApplication.id).where(
                    GrantApplication.municipality_slug == draft.municipality_slug,
                    GrantApplication.round_key == draft.round_key,
                    GrantApplication.association_key == key,
                    GrantApplication.id != draft.id,
                )
            ).first()
            if taken is not None:
                raise InvalidInput("grants.duplicate_association")
        draft.association_key = key
        draft.answers = dict(answers)
        draft.current_field = current_field
        name = answers.get(scheme.applicant_field)
        draft.applicant_name = str(name)[:200] if isinstance(name, str) else None
        amount = answers.get(scheme.amount_field)
        draft.amount_applied = amount if isinstance(amount, int) else None
        draft.updated_at = now

    def move_to_round(self, session: Session, draft: GrantApplication, info: RoundInfo) -> bool:
        """Carry a draft whose round closed over to the open one; False if that would clash."""
        clash = session.scalars(
            select(GrantApplication.id).where(
                GrantApplication.municipality_slug == draft.municipality_slug,
                GrantApplication.round_key == info.key,
                GrantApplication.id != draft.id,
                (GrantApplication.user_id == draft.user_id)
                & (GrantApplication.status == Status.DRAFT.value)
                | (
                    (GrantApplication.association_key == draft.association_key)
                    & (GrantApplication.association_key.is_not(None))
                ),
            )
        ).first()
        if clash is not None:
            return False
        draft.round_key = info.key
        draft.deadline = info.deadline
        return True

    # --- submission -----------------------------------------------------------------------------
    def submit(
        self, session: Session, user: User, draft_id: object, today: date, now: datetime
    ) -> GrantApplication:
        """Send a draft: one application however often this is called for the same draft.

        The row is locked (PostgreSQL) and its status checked inside the transaction, so a double
        tap or two workers sending the same draft give one application with one reference.
        """
        app = self._locked_own(session, user, draft_id)
        if not app.is_draft:
            return app  # already sent: the same application, not a second one
        scheme = self.schemes[app.municipality_slug]
        if app.deadline is not None and app.deadline < today:
            raise InvalidInput("grants.deadline_passed")
        walker = self.walkers[app.municipality_slug]
        missing = walker.missing_required(app.answers)
        if missing:
            raise InvalidInput("grants.missing_answers", fields=missing[0].label.get(app.language))
        year = round_year(app.round_key, app.deadline, today)
        app.reference = self._next_reference(session, app.municipality_slug, year)
        app.status = Status.SUBMITTED.value
        app.submitted_at = now
        app.updated_at = now
        app.current_field = None
        info = self.round_info(scheme, app.round_key)
        app.report_due = info.report_due
        session.flush()
        log.info("grant.submitted", extra={"application_id": app.id, "reference": app.reference})
        return app

    def _next_reference(self, session: Session, slug: str, year: int) -> str:
        """The next number from the (municipality, round year) counter row, locked so concurrent
        submits never share one. References handed out before the counter was keyed by round
        year keep their number; the counter only ever grows, so no number is given twice."""
        dialect = session.get_bind().dialect.name
        values = {"municipality_slug": slug, "year": year, "last_number": 0}
        if dialect == "postgresql":
            session.execute(
                postgresql.insert(GrantReferenceCounter).values(values).on_conflict_do_nothing()
            )
        else:
            session.execute(
                sqlite.insert(GrantReferenceCounter).values(values).on_conflict_do_nothing()
            )
        counter = session.scalars(
            select(GrantReferenceCounter)
            .where(
                GrantReferenceCounter.municipality_slug == slug,
                GrantReferenceCounter.year == year,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        counter.last_number += 1
        return reference_for(slug, year, counter.last_number)

    # --- the applicant's applications -----------------------------------------------------------
    def applications_of(self, session: Session, user: User) -> list[GrantApplication]:
        """Everything the user started, newest first (drafts too)."""
        return list(
            session.scalars(
                select(GrantApplication)
                .where(GrantApplication.user_id == user.id)
                .order_by(GrantApplication.created_at.desc(), GrantApplication.id.desc())
            )
        )

    def own_application(self, session: Session, user: User, app_id: object) -> GrantApplication:
        """The user's application with this id; `ApplicationNotFoundError` for anyone else's."""
        found = session.get(GrantApplication, _as_id(app_id))
        if found is None or found.user_id != user.id:
            raise ApplicationNotFoundError
        return found

    def _locked_own(self, session: Session, user: User, app_id: object) -> GrantApplication:
        found = session.scalars(
            select(GrantApplication)
            .where(GrantApplication.id == _as_id(app_id))
            # Only our row: the applicant is joined in (nullable side), which cannot be locked.
            .with_for_update(of=GrantApplication)
            .execution_options(populate_existing=True)
        ).first()
        if found is None or found.user_id != user.id:
            raise ApplicationNotFoundError
        return found

    def answer_info(
        self, session: Session, user: User, app_id: object, text: str, now: datetime
    ) -> GrantApplication:
        """The applicant's answer to staff's question; the application goes back for review."""
        app = self.own_application(session, user, app_id)
        if app.status != Status.INFO_REQUESTED.value:
            raise InvalidInput("grants.info_not_requested")
        app.messages = [*app.messages, {"by": "applicant", "text": text, "at": now.isoformat()}]
        app.status = Status.SUBMITTED.value
        app.updated_at = now
        return app

    def save_report(
        self,
        session: Session,
        user: User,
        app_id: object,
        report: Mapping[str, Any],
        now: datetime,
    ) -> GrantApplication:
        """The report on use of funds (what was done, money spent, money left over)."""
        app = self.own_application(session, user, app_id)
        if app.status != Status.APPROVED.value:
            raise InvalidInput("grants.report_not_possible")
        app.report = dict(report)
        app.status = Status.REPORTED.value
        app.reported_at = now
        app.updated_at = now
        return app

    # --- staff review ---------------------------------------------------------------------------
    def staff_list(
        self,
        session: Session,
        staff_id: int,
        slug: str,
        round_key: str | None,
        status: str | None,
        page: int = 0,
    ) -> tuple[list[GrantApplication], int]:
        """One page of applications (never drafts) and the total count, oldest first."""
        require_staff(session, staff_id, slug)
        query = select(GrantApplication).where(
            GrantApplication.municipality_slug == slug,
            GrantApplication.status.in_([s.value for s in REVIEWABLE]),
        )
        if round_key:
            query = query.where(GrantApplication.round_key == round_key)
        if status:
            query = query.where(GrantApplication.status == status)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(GrantApplication.submitted_at, GrantApplication.id)
            .offset(max(page, 0) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        return list(rows), int(total)

    def staff_table(
        self,
        session: Session,
        staff_id: int,
        slug: str,
        *,
        round_key: str | None = None,
        status: str | None = None,
        text: str = "",
        sort: str = "submitted",
        descending: bool = False,
        page: int = 0,
        page_size: int = 25,
    ) -> tuple[list[GrantApplication], int]:
        """One page of a round's applications (never drafts) for the dashboard's table, and how
        many match in all. The rows carry the table's columns only (`answers` is not loaded).

        `text` finds the reference, the association's name or its CVR number (case-insensitive,
        part of it is enough); `sort` is one of `TABLE_SORTS`. Raises `NotStaffError`.
        """
        require_staff(session, staff_id, slug)
        query = select(GrantApplication).where(
            GrantApplication.municipality_slug == slug,
            GrantApplication.status.in_([s.value for s in REVIEWABLE]),
        )
        if round_key:
            query = query.where(GrantApplication.round_key == round_key)
        if status:
            query = query.where(GrantApplication.status == status)
        needle = " ".join(text.split()).casefold()[:100]
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(
                or_(
                    func.lower(GrantApplication.reference).like(pattern, escape="\\"),
                    func.lower(GrantApplication.applicant_name).like(pattern, escape="\\"),
                    GrantApplication.association_key.like("cvr:" + pattern, escape="\\"),
                )
            )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        column = TABLE_SORTS.get(sort, GrantApplication.submitted_at)
        order = column.desc() if descending else column.asc()
        tie = GrantApplication.id.desc() if descending else GrantApplication.id.asc()
        rows = session.scalars(
            query.options(
                # The table's columns only: not the answers (kilobytes a row) nor the applicant.
                load_only(
                    GrantApplication.reference,
                    GrantApplication.applicant_name,
                    GrantApplication.association_key,
                    GrantApplication.amount_applied,
                    GrantApplication.status,
                    GrantApplication.submitted_at,
                    GrantApplication.municipality_slug,
                    GrantApplication.round_key,
                ),
                lazyload(GrantApplication.user),  # never read by the table: never loaded
            )
            .order_by(order.nulls_last(), tie)
            .offset(max(page, 0) * page_size)
            .limit(page_size)
        )
        return list(rows), int(total)

    def round_figures(self, session: Session, staff_id: int, slug: str) -> list[RoundFigures]:
        """Per round (oldest first): applications by status, amount applied for (all sent
        applications) and granted (øre), from one grouped query. Raises `NotStaffError`."""
        require_staff(session, staff_id, slug)
        rows = session.execute(
            select(
                GrantApplication.round_key,
                GrantApplication.status,
                func.count(),
                func.coalesce(func.sum(GrantApplication.amount_applied), 0),
                func.coalesce(func.sum(GrantApplication.amount_granted), 0),
            )
            .where(
                GrantApplication.municipality_slug == slug,
                GrantApplication.status.in_([s.value for s in REVIEWABLE]),
            )
            .group_by(GrantApplication.round_key, GrantApplication.status)
        )
        figures: dict[str, RoundFigures] = {}
        for round_key, status, count, applied, granted in rows:
            found = figures.setdefault(round_key, RoundFigures(round_key, {}, 0, 0))
            found.by_status[status] = int(count)
            found.applied += int(applied or 0)
            found.granted += int(granted or 0)
        return [figures[key] for key in sorted(figures)]

    def staff_get(
        self, session: Session, staff_id: int, slug: str, app_id: object
    ) -> GrantApplication:
        """An application of `slug` for its staff; not found for drafts and other municipalities."""
        require_staff(session, staff_id, slug)
        found = session.get(GrantApplication, _as_id(app_id))
        if (
            found is None
            or found.municipality_slug != slug
            or found.status not in {s.value for s in REVIEWABLE}
        ):
            raise ApplicationNotFoundError
        return found

    def approve(
        self,
        session: Session,
        staff_id: int,
        slug: str,
        app_id: object,
        amount_ore: int,
        now: datetime,
        *,
        reason: str | None = None,
        channel: Channel = Channel.CHAT,
    ) -> GrantApplication:
        """Grant `amount_ore` (øre, > 0; less than applied for is a partial grant), with an
        optional reason the applicant reads. The applicant is told through the outbox and the
        decision is audited, in the caller's transaction (`now` UTC).

        Raises `NotStaffError`, `ApplicationNotFoundError` (another municipality's id, a draft),
        `InvalidInput` ("grants.staff.amount_positive", "grants.staff.already_decided").
        """
        app = self._decidable(session, staff_id, slug, app_id)
        if amount_ore <= 0:
            raise InvalidInput("grants.staff.amount_positive")
        app.status = Status.APPROVED.value
        app.amount_granted = amount_ore
        app.decision_reason = reason or None
        app.decided_at = now
        app.updated_at = now
        app.handled_by = staff_id
        if app.report_due is None:
            app.report_due = (now + REPORT_AFTER_ALL_YEAR).date()
        detail: dict[str, object] = {"amount": amount_ore}
        if reason:
            detail["reason"] = reason
        self._decided(session, app, staff_id, "approve", channel, now, detail)
        return app

    def reject(
        self,
        session: Session,
        staff_id: int,
        slug: str,
        app_id: object,
        reason: str,
        now: datetime,
        *,
        channel: Channel = Channel.CHAT,
    ) -> GrantApplication:
        """Reject with a reason the applicant reads; told and audited like `approve`."""
        app = self._decidable(session, staff_id, slug, app_id)
        app.status = Status.REJECTED.value
        app.decision_reason = reason
        app.decided_at = now
        app.updated_at = now
        app.handled_by = staff_id
        self._decided(session, app, staff_id, "reject", channel, now, {"reason": reason})
        return app

    def request_info(
        self,
        session: Session,
        staff_id: int,
        slug: str,
        app_id: object,
        question: str,
        now: datetime,
        *,
        channel: Channel = Channel.CHAT,
    ) -> GrantApplication:
        """Ask the applicant for more information; told and audited like `approve`."""
        app = self._decidable(session, staff_id, slug, app_id)
        app.status = Status.INFO_REQUESTED.value
        app.messages = [*app.messages, {"by": "staff", "text": question, "at": now.isoformat()}]
        app.updated_at = now
        app.handled_by = staff_id
        self._decided(session, app, staff_id, "request_info", channel, now, {"reason": question})
        return app

    def _decided(
        self,
        session: Session,
        app: GrantApplication,
        staff_id: int,
        action: str,
        channel: Channel,
        now: datetime,
        detail: dict[str, object],
    ) -> None:
        session.flush()
        audit.record(
            session,
            actor=staff_id,
            municipality=app.municipality_slug,
            subject_kind=AUDIT_KIND,
            subject_id=app.id,
            action=action,
            channel=channel,
            now=now,
            detail=detail,
        )
        notify_applicant(session, app, now, self.terms)
        log.info(
            "grant.decided",
            extra={"application_id": app.id, "action": action, "channel": channel.value},
        )

    def audit_log(
        self, session: Session, staff_id: int, slug: str, app_id: object
    ) -> list[AuditEntry]:
        """Who decided what on this application, when and where, oldest first."""
        app = self.staff_get(session, staff_id, slug, app_id)
        return audit.entries_for(session, slug, AUDIT_KIND, app.id)

    def _decidable(
        self, session: Session, staff_id: int, slug: str, app_id: object
    ) -> GrantApplication:
        app = self.staff_get(session, staff_id, slug, app_id)
        if app.status not in (Status.SUBMITTED.value, Status.INFO_REQUESTED.value):
            raise InvalidInput("grants.staff.already_decided")
        return app

    def export_rows(
        self, session: Session, staff_id: int, slug: str, round_key: str | None, language: str
    ) -> list[dict[str, object]]:
        """Every reviewable application of a round as rows for the committee's spreadsheet.
        »Indsendt« is the date on the municipality's wall clock (`bot.zones`): an application sent
        at 00:30 on 1 March in Copenhagen is dated 1 March, not 28 February (UTC). Raises
        `NotStaffError` unless `staff_id` is staff in `slug`."""
        require_staff(session, staff_id, slug)
        scheme = self.schemes[slug]
        zone = ZoneInfo(municipality_zone(session, slug))
        query = select(GrantApplication).where(
            GrantApplication.municipality_slug == slug,
            GrantApplication.status.in_([s.value for s in REVIEWABLE]),
        )
        if round_key:
            query = query.where(GrantApplication.round_key == round_key)
        rows = []
        for app in session.scalars(query.order_by(GrantApplication.reference)):
            rows.append(
                documents.export_row(
                    scheme,
                    app.answers,
                    reference=app.reference or "",
                    status=t(language, f"grants.status.{app.status}"),
                    language=language,
                    submitted=(
                        app.submitted_at.astimezone(zone).date().isoformat()
                        if app.submitted_at
                        else ""
                    ),
                    amount_granted=app.amount_granted,
                    decision_reason=app.decision_reason,
                )
            )
        return rows

    # --- privacy --------------------------------------------------------------------------------
    def export_personal_data(self, session: Session, user: User) -> list[dict[str, Any]]:
        """What we hold about the user's applications (for /mydata)."""
        return [
            {
                "reference": app.reference,
                "municipality": app.municipality_slug,
                "round": app.round_key,
                "status": app.status,
                "answers": app.answers,
                "messages": app.messages,
                "report": app.report,
            }
            for app in self.applications_of(session, user)
        ]

    def erase_personal_data(self, session: Session, user: User) -> None:
        """Drafts go; sent applications stay for the municipality's accounts, without the link to
        the person and without contact details (name of the association, amounts and the
        decision stay: they are the association's, not the person's)."""
        for app in self.applications_of(session, user):
            if app.is_draft:
                session.delete(app)
                continue
            scheme = self.schemes.get(app.municipality_slug)
            personal = {
                spec.key
                for spec in (scheme.form if scheme else ())
                if spec.type in _PERSONAL_TYPES or spec.key in _PERSONAL_KEYS
            }
            app.answers = {k: v for k, v in app.answers.items() if k not in personal}
            app.user_id = None
        # A staff member who is erased no longer handles anything: answers and reports are not
        # sent to their chat any more (as if they had left the municipality's staff).
        for app in session.scalars(
            select(GrantApplication).where(GrantApplication.handled_by == user.telegram_id)
        ):
            app.handled_by = None


_PERSONAL_TYPES = frozenset({FieldType.EMAIL, FieldType.PHONE})
_PERSONAL_KEYS = frozenset({"contact_name", "contact_person", "address"})


#: The dashboard table's sortable columns.
TABLE_SORTS: dict[str, Any] = {
    "reference": GrantApplication.reference,
    "association": GrantApplication.applicant_name,
    "amount": GrantApplication.amount_applied,
    "status": GrantApplication.status,
    "submitted": GrantApplication.submitted_at,
}


def association_key(scheme: GrantScheme, answers: Mapping[str, JsonValue]) -> str | None:
    """Who is applying, for "one application per association per round": the CVR number when
    the form has one and it is answered, else the applicant's name, case-folded."""
    for spec in scheme.form:
        value = answers.get(spec.key)
        if spec.type is FieldType.CVR and isinstance(value, str) and value:
            return f"cvr:{value}"
    name = answers.get(scheme.applicant_field)
    if isinstance(name, str) and name.strip():
        return "name:" + " ".join(name.casefold().split())[:150]
    return None


def _as_id(value: object) -> int:
    """An id from a button; anything that is not a positive integer matches nothing."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    # Larger than any id the column can hold: PostgreSQL would refuse the query itself.
    return number if 0 < number < 2**31 else 0


def progress_fields(walker: FormWalker, answers: Mapping[str, JsonValue]) -> list[FieldSpec]:
    """The questions of the walk (the declaration on honour comes after the summary)."""
    return [spec for spec in walker.visible_fields(answers) if not is_declaration(spec)]


def first_open(walker: FormWalker, answers: Mapping[str, JsonValue]) -> FieldSpec | None:
    """Where to resume: the first unanswered question of the walk."""
    for spec in progress_fields(walker, answers):
        if spec.key not in answers:
            return spec
    return None


def declarations(walker: FormWalker, answers: Mapping[str, JsonValue]) -> Sequence[FieldSpec]:
    return [spec for spec in walker.visible_fields(answers) if is_declaration(spec)]
