"""Ansøgninger: the round's table, one application, the decision form, exports, attachments.

Every handler checks the staff role for the municipality in the URL (`require_municipality`)
and asks `GrantService` — the same methods the chat uses — for everything else, so the service's
own checks (an id of another municipality, a draft, a decision already made) hold here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.grants import documents
from bot.grants.fields import babel_locale, budget_total, format_amount
from bot.grants.models import REVIEWABLE, GrantApplication, Status
from bot.grants.schemes import FieldType, GrantScheme
from bot.grants.service import TABLE_SORTS, ApplicationNotFoundError
from bot.i18n import t
from bot.staff.audit import Channel, who
from bot.staff.models import AuditEntry
from bot.validation.amounts import Ambiguous, read_amount
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_text
from bot.web.common import in_db, language, redirect, render, require_municipality, services_of
from bot.web.pages.shared import zone_of

PAGE_SIZE = 25
REASON_LIMIT = 1500
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECISIONS = ("approve", "reject", "ask")


async def index(request: Request) -> Response:
    await require_municipality(request)
    return redirect(f"/staff/{request.path_params['slug']}/overview")


@dataclass(frozen=True)
class Filters:
    """The table's query string, read defensively (anything unknown falls back)."""

    round_key: str | None
    status: str | None
    text: str
    sort: str
    descending: bool
    page: int

    @classmethod
    def read(cls, request: Request, rounds: list[str]) -> Filters:
        params = request.query_params
        round_key = params.get("round")
        if round_key is None:
            round_key = rounds[0] if rounds else None
        elif round_key not in rounds:
            round_key = None  # "all rounds"
        status = params.get("status") or None
        if status not in {s.value for s in REVIEWABLE}:
            status = None
        sort = params.get("sort") or "submitted"
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in TABLE_SORTS:
            sort, descending = "submitted", False
        page_text = params.get("page") or "1"
        page = int(page_text) - 1 if page_text.isdigit() and 0 < int(page_text) < 100_000 else 0
        return cls(round_key, status, (params.get("q") or "")[:100], sort, descending, page)

    def query(self, **changes: Any) -> str:
        values: dict[str, Any] = {
            "round": self.round_key or "*",
            "status": self.status or "",
            "q": self.text,
            "sort": ("-" if self.descending else "") + self.sort,
            "page": self.page + 1,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def sort_query(self, column: str) -> str:
        descending = column == self.sort and not self.descending
        return self.query(sort=("-" if descending else "") + column, page=1)


def _scheme(request: Request, slug: str) -> GrantScheme:
    scheme = services_of(request).grants.scheme(slug)
    if scheme is None:
        raise HTTPException(404)
    return scheme


def _cvr(app: GrantApplication) -> str:
    """The CVR number the application was made under (`association_key`, see grants.models)."""
    key = app.association_key or ""
    return key.removeprefix("cvr:") if key.startswith("cvr:") else ""


def _local(moment: datetime | None, zone: str, lang: str) -> str:
    if moment is None:
        return ""
    return format_datetime(
        moment.astimezone(ZoneInfo(zone)), "d. MMM y HH.mm", locale=babel_locale(lang)
    )


async def table(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    grants = services_of(request).grants
    _scheme(request, slug)  # a municipality without a § 18 scheme has no table: 404
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, Any]:
        rounds = grants.round_keys(session, slug)
        filters = Filters.read(request, rounds)
        apps, total = grants.staff_table(
            session,
            tid,
            slug,
            round_key=filters.round_key,
            status=filters.status,
            text=filters.text,
            sort=filters.sort,
            descending=filters.descending,
            page=filters.page,
            page_size=PAGE_SIZE,
        )
        rows = [
            {
                "id": app.id,
                "reference": app.reference or "",
                "association": app.applicant_name or "",
                "cvr": _cvr(app),
                "amount": format_amount(app.amount_applied, lang)
                if app.amount_applied is not None
                else "",
                "status": app.status,
                "submitted": _local(app.submitted_at, zone, lang),
            }
            for app in apps
        ]
        return {"rounds": rounds, "filters": filters, "rows": rows, "total": total}

    data = await in_db(request, load)
    filters: Filters = data["filters"]
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    return render(
        request,
        "applications.html",
        {
            **data,
            "slug": slug,
            "heading": t(
                lang,
                "web.applications.title",
                municipality=services_of(request).directory.municipalities[slug].name,
                **services_of(request).directory.terms(slug, lang),
            ),
            "statuses": [s.value for s in REVIEWABLE],
            "page": filters.page + 1,
            "pages": pages,
            "columns": list(TABLE_SORTS),
        },
    )


async def export(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404)
    grants = services_of(request).grants
    lang = language(request)

    def load(session: Session) -> tuple[list[dict[str, object]], str | None]:
        rounds = grants.round_keys(session, slug)
        filters = Filters.read(request, rounds)
        return grants.export_rows(session, tid, slug, filters.round_key, lang), filters.round_key

    rows, round_key = await in_db(request, load)
    name = f"paragraf18-{slug}-{round_key or 'alle'}"
    if kind == "csv":
        body, media = documents.export_round_csv(rows), "text/csv; charset=utf-8"
    else:
        body, media = documents.export_round_xlsx(rows), _XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


def _detail(request: Request, tid: int, slug: str, app_id: str) -> Any:
    grants = services_of(request).grants
    scheme = _scheme(request, slug)
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, Any]:
        try:
            app = grants.staff_get(session, tid, slug, app_id)
        except ApplicationNotFoundError:
            raise HTTPException(404) from None
        answers: list[dict[str, Any]] = []
        visible = {key for key, _, _ in documents.summary_lines(scheme, app.answers, lang)}
        for spec in scheme.form:
            if spec.key not in visible:
                continue
            value = app.answers.get(spec.key)
            item: dict[str, Any] = {"key": spec.key, "label": spec.label.get(lang)}
            if spec.type is FieldType.BUDGET_LINES and isinstance(value, list):
                item["budget"] = [
                    (str(line.get("text", "")), format_amount(int(line.get("amount", 0)), lang))
                    for line in value
                    if isinstance(line, dict)
                ]
                item["total"] = format_amount(budget_total(value), lang)
            elif spec.type is FieldType.ATTACHMENT and isinstance(value, dict):
                item["file"] = str(value.get("file_name") or spec.key)
            else:
                item["value"] = documents.display_value(spec, value, lang)
            answers.append(item)
        log: list[AuditEntry] = grants.audit_log(session, tid, slug, app.id)
        names = who(session, log)
        history = [("submitted", _local(app.submitted_at, zone, lang), "")]
        for message in app.messages or []:
            at = message.get("at")
            when = _local(datetime.fromisoformat(at), zone, lang) if isinstance(at, str) else ""
            kind = "asked" if message.get("by") == "staff" else "answered"
            history.append((kind, when, str(message.get("text", ""))))
        if app.decided_at and app.status in (Status.APPROVED.value, Status.REJECTED.value):
            history.append(("decided", _local(app.decided_at, zone, lang), ""))
        return {
            "app": {
                "id": app.id,
                "reference": app.reference or "",
                "association": app.applicant_name or "",
                "status": app.status,
                "amount_applied": format_amount(app.amount_applied, lang)
                if app.amount_applied is not None
                else "",
                "amount_applied_ore": app.amount_applied,
                "amount_granted": format_amount(app.amount_granted, lang)
                if app.amount_granted is not None
                else "",
                "reason": app.decision_reason or "",
                "decidable": app.status in (Status.SUBMITTED.value, Status.INFO_REQUESTED.value),
            },
            "answers": answers,
            "history": history,
            "audit": [
                {
                    "at": _local(entry.at, zone, lang),
                    "who": names.get(entry.actor_telegram_id),
                    "action": entry.action,
                    "channel": entry.channel,
                    "amount": format_amount(int(entry.detail["amount"]), lang)
                    if isinstance(entry.detail.get("amount"), int)
                    else "",
                    "reason": str(entry.detail.get("reason") or ""),
                }
                for entry in log
            ],
        }

    return load


async def detail(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    data = await in_db(request, _detail(request, tid, slug, request.path_params["app_id"]))
    return render(request, "application.html", {**data, "slug": slug, "form": {}, "error": None})


@dataclass(frozen=True)
class Decision:
    """A decision as the form gave it, read and checked before anything is asked of the
    service (the same readers as the chat: `parse_amount_text`, `parse_text`)."""

    kind: str
    amount_ore: int | None
    reason: str

    @classmethod
    def read(cls, form: Any, amount_applied: int | None, lang: str) -> Decision:
        """Raises `InvalidInput` with what to correct. An amount that reads two ways ("12.50")
        is read by the page's language; the confirmation page shows which amount it became."""
        kind = str(form.get("decision") or "")
        if kind not in DECISIONS:
            raise InvalidInput("web.decision.pick")
        reason_text = str(form.get("reason") or "").strip()
        reason = parse_text(reason_text, max_length=REASON_LIMIT) if reason_text else ""
        amount: int | None = None
        if kind == "approve":
            typed = str(form.get("amount") or "").strip()
            if typed:
                reading = read_amount(typed)
                if isinstance(reading, Ambiguous):
                    reading = reading.english if lang == "en" else reading.danish
                amount = reading
            else:
                amount = amount_applied
            if amount is None or amount <= 0:
                raise InvalidInput("grants.staff.amount_positive")
            if amount_applied is not None and amount < amount_applied and not reason:
                raise InvalidInput("web.decision.reason_partial")
        elif not reason:
            raise InvalidInput("web.decision.reason_needed")
        return cls(kind, amount, reason)


async def decide(request: Request) -> Response:
    """Two steps: the form posts here and gets a confirmation page; the confirmation posts
    here again with ``confirm=1`` and the service decides, tells the applicant and audits."""
    tid, slug = await require_municipality(request)
    app_id = request.path_params["app_id"]
    services = services_of(request)
    grants = services.grants
    form = await request.form()
    lang = language(request)
    data = await in_db(request, _detail(request, tid, slug, app_id))
    applied: int | None = data["app"]["amount_applied_ore"]
    values = {k: str(form.get(k) or "") for k in ("decision", "amount", "reason")}
    try:
        decision = Decision.read(form, applied, lang)
    except InvalidInput as problem:
        error = _say(lang, problem)
        return render(
            request,
            "application.html",
            {**data, "slug": slug, "form": values, "error": error},
            status_code=400,
        )
    if form.get("confirm") != "1":
        return render(
            request,
            "confirm.html",
            {
                **data,
                "slug": slug,
                "decision": decision,
                "amount": format_amount(decision.amount_ore, lang) if decision.amount_ore else "",
                "form": values,
            },
        )
    now = services.clock()

    def act(session: Session) -> None:
        try:
            if decision.kind == "approve":
                assert decision.amount_ore is not None
                grants.approve(
                    session,
                    tid,
                    slug,
                    app_id,
                    decision.amount_ore,
                    now,
                    reason=decision.reason or None,
                    channel=Channel.WEB,
                )
            elif decision.kind == "reject":
                grants.reject(session, tid, slug, app_id, decision.reason, now, channel=Channel.WEB)
            else:
                grants.request_info(
                    session, tid, slug, app_id, decision.reason, now, channel=Channel.WEB
                )
        except ApplicationNotFoundError:
            raise HTTPException(404) from None

    try:
        await in_db(request, act)
    except InvalidInput as problem:
        data = await in_db(request, _detail(request, tid, slug, app_id))
        return render(
            request,
            "application.html",
            {**data, "slug": slug, "form": values, "error": _say(lang, problem)},
            status_code=409,
        )
    return redirect(f"/staff/{slug}/applications/{app_id}?done={decision.kind}")


def _say(lang: str, problem: InvalidInput) -> str:
    return t(lang, problem.key, **problem.params)


async def attachment(request: Request) -> Response:
    """An attachment of the application, fetched through the channel's file port (Telegram's
    getFile, or the terminal chat's local file); 404 for anything not attached to it."""
    tid, slug = await require_municipality(request)
    services = services_of(request)
    key = str(request.path_params["key"])

    def load(session: Session) -> dict[str, Any] | None:
        try:
            app = services.grants.staff_get(session, tid, slug, request.path_params["app_id"])
        except ApplicationNotFoundError:
            raise HTTPException(404) from None
        value = app.answers.get(key)
        return value if isinstance(value, dict) and value.get("file_id") else None

    found = await in_db(request, load)
    if found is None or services.files is None:
        raise HTTPException(404)
    try:
        content = await services.files.download(str(found["file_id"]), ATTACHMENT_MAX_BYTES)
    except (FileTooLargeError, FileUnavailableError):
        raise HTTPException(404) from None
    name = str(found.get("file_name") or key).replace('"', "")
    return Response(
        content,
        media_type=str(found.get("mime_type") or "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
