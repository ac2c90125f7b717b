"""Frivilligopslag: the municipality's opportunities (open or closed, interests), editing and
closing one, importing a CSV by upload, and the interest export.

Everything goes through `bot.matching.upkeep`, the service the chat's staff menu uses: the same
role check, the same field rules (`InvalidInput` keys), and the import the CLI runs
(`frivillig import opportunities FILE.csv --municipality <slug>`) with the same report lines.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from bot.i18n import t
from bot.matching import upkeep
from bot.matching.catalog import MAX_IMPORT_BYTES, describe
from bot.matching.models import Opportunity
from bot.matching.vocabulary import AREAS
from bot.validation.errors import InvalidInput
from bot.web.common import in_db, language, redirect, render, require_municipality, services_of
from bot.web.pages.shared import path_id, serve

PAGE_SIZE = 50
#: The chat's rule for each field `upkeep.edit` changes (it raises `InvalidInput`).
CHECKS = {
    "title": upkeep.clean_title,
    "description": upkeep.clean_description,
    "spots": upkeep.parse_spots,
}


def _areas(opportunity: Opportunity, lang: str) -> str:
    return ", ".join(
        t(lang, f"matching.area.{area}")
        for bit, area in enumerate(AREAS)
        if opportunity.area_mask & (1 << bit)
    )


def _row(opportunity: Opportunity, lang: str) -> dict[str, Any]:
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "association": opportunity.association.name,
        "town": opportunity.town,
        "areas": _areas(opportunity, lang),
        "status": opportunity.status,
        "interests": opportunity.interest_count,
        "spots": opportunity.spots,
    }


async def index(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    lang = language(request)
    page_text = request.query_params.get("page") or "1"
    page = int(page_text) - 1 if page_text.isdigit() and 0 < int(page_text) < 100_000 else 0

    def load(session: Session) -> dict[str, Any]:
        counts = upkeep.counts(session, tid, slug)
        total = sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        rows, _ = upkeep.listing(session, tid, slug, page, PAGE_SIZE)
        return {
            "rows": [_row(o, lang) for o in rows],
            "open": counts.get("open", 0),
            "closed": counts.get("closed", 0),
            "page": min(page, pages - 1) + 1,
            "pages": pages,
        }

    data = await serve(request, load)
    return render(request, "opportunities.html", {**data, "slug": slug})


async def detail(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    opportunity_id = path_id(request, "opportunity_id")
    lang = language(request)

    def load(session: Session) -> dict[str, Any] | None:
        opportunity = upkeep.get(session, tid, slug, opportunity_id)
        if opportunity is None:
            return None
        return {**_row(opportunity, lang), "description": opportunity.description}

    row = await serve(request, load)
    texts = {
        "title": row["title"],
        "description": row["description"],
        "spots": "" if row["spots"] is None else str(row["spots"]),
    }
    return render(
        request,
        "opportunity.html",
        {"slug": slug, "row": row, "texts": texts, "errors": {}, "saved": False},
    )


async def save(request: Request) -> Response:
    """Each changed field through `upkeep.edit` (the chat's rules); all or nothing."""
    tid, slug = await require_municipality(request)
    opportunity_id = path_id(request, "opportunity_id")
    lang = language(request)
    posted = await request.form()
    texts = {name: str(posted.get(name) or "") for name in upkeep.EDITABLE}
    now = services_of(request).clock()

    def apply(session: Session) -> tuple[dict[str, Any], dict[str, str]] | None:
        opportunity = upkeep.get(session, tid, slug, opportunity_id)
        if opportunity is None:
            return None
        errors: dict[str, str] = {}
        for name, read in CHECKS.items():  # every field first: a refusal changes nothing
            try:
                read(texts[name])
            except InvalidInput as problem:
                errors[name] = t(lang, problem.key, **problem.params)
        if not errors:
            for name in upkeep.EDITABLE:
                upkeep.edit(session, tid, slug, opportunity_id, name, texts[name], now)
        return {**_row(opportunity, lang), "description": opportunity.description}, errors

    row, errors = await serve(request, apply)
    if not errors:
        return redirect(f"/staff/{slug}/opportunities/{opportunity_id}?saved=1")
    return render(
        request,
        "opportunity.html",
        {"slug": slug, "row": row, "texts": texts, "errors": errors, "saved": False},
        status_code=400,
    )


async def set_status(request: Request) -> Response:
    """Close an open opportunity or open a closed one (`upkeep.set_status`)."""
    tid, slug = await require_municipality(request)
    opportunity_id = path_id(request, "opportunity_id")
    posted = await request.form()
    status = str(posted.get("status") or "")
    now = services_of(request).clock()

    def apply(session: Session) -> Opportunity | None:
        return upkeep.set_status(session, tid, slug, opportunity_id, status, now)

    await serve(request, apply)
    return redirect(f"/staff/{slug}/opportunities/{opportunity_id}")


async def import_form(request: Request) -> Response:
    _, slug = await require_municipality(request)
    return render(request, "opportunities_import.html", {"slug": slug, "report": None})


def checks_its_own_token(scope: Scope) -> bool:
    """Whether asgi-csrf leaves this request's token to `import_upload`: the CSV upload, a
    multipart form, which asgi-csrf 0.11 cannot parse with python-multipart >= 0.0.26
    (simonw/asgi-csrf#38; the older parser has known CVEs)."""
    return (
        scope.get("method") == "POST"
        and str(scope.get("path", "")).endswith("/opportunities/import")
        and str(scope.get("path", "")).startswith("/staff/")
    )


def _token_matches(request: Request, posted: str) -> bool:
    """The form's token against the signed CSRF cookie, as asgi-csrf checks it: the scope's
    token is the cookie's value when its signature holds, else a fresh one nobody knows."""
    expected = request.scope.get("csrftoken")
    return callable(expected) and secrets.compare_digest(posted, str(expected()))


async def import_upload(request: Request) -> Response:
    """The uploaded CSV imported as the CLI does it; the page shows the CLI's report lines.
    A form without the page's CSRF token is refused (403) before anything is read into the
    database."""
    tid, slug = await require_municipality(request)
    lang = language(request)
    services = services_of(request)
    posted = await request.form(max_files=1, max_fields=10, max_part_size=MAX_IMPORT_BYTES + 1)
    token = posted.get("csrftoken")
    if not isinstance(token, str) or not _token_matches(request, token):
        return Response("CSRF token missing or wrong", status_code=403, media_type="text/plain")
    upload = posted.get("file")
    content = b""
    if isinstance(upload, UploadFile):
        content = await upload.read(MAX_IMPORT_BYTES + 1)
    now = services.clock()

    def run(session: Session) -> tuple[list[str], bool]:
        report = upkeep.import_file(session, tid, slug, services.directory, content, now)
        return describe(report, lang), report.fatal is None and not report.refused

    lines, clean = await serve(request, run)
    return render(
        request,
        "opportunities_import.html",
        {"slug": slug, "report": lines, "clean": clean},
        status_code=200,
    )


async def export(request: Request) -> Response:
    """Every interest in the municipality's opportunities as CSV (the chat's export)."""
    tid, slug = await require_municipality(request)

    def load(session: Session) -> bytes:
        body, _ = upkeep.export(session, tid, slug)
        return body

    body = await in_db(request, load)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="interesser-{slug}.csv"'},
    )
