"""Høringer: the municipality's consultations with their deadline, audience, how many received
them and how many answered, and the answers' export (CSV/XLSX) the chat sends.

Everything is read by `bot.consultations.service` with the staff check it does for the chat.
Sending a new consultation stays in chat: its document is kept as a Telegram file id, which a
browser upload does not give (README, Known limits).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.consultations import service
from bot.grants import documents
from bot.i18n import t
from bot.web.common import language, render, require_municipality, services_of
from bot.web.pages.shared import local, path_id, serve, zone_of

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def index(request: Request) -> Response:
    """Every consultation of the municipality, newest deadline first."""
    tid, slug = await require_municipality(request)
    lang = language(request)
    zone = zone_of(request, slug)
    now = services_of(request).clock()

    def load(session: Session) -> list[dict[str, Any]]:
        rows = []
        for consultation in service.of_municipality(session, tid, slug):
            sent, answered = service.counts(session, consultation.id)
            rows.append(
                {
                    "id": consultation.id,
                    "title": consultation.title,
                    "deadline": local(consultation.deadline, zone, lang),
                    "open": consultation.deadline > now,
                    "audience": consultation.audience,
                    "sent": sent,
                    "answered": answered,
                }
            )
        return rows

    rows = await serve(request, load)
    return render(request, "consultation_list.html", {"slug": slug, "rows": rows})


async def export(request: Request) -> Response:
    """One consultation's answers as CSV or XLSX (`service.export_rows`, as in chat)."""
    tid, slug = await require_municipality(request)
    consultation_id = path_id(request, "consultation_id")
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404)
    lang = language(request)

    def load(session: Session) -> list[dict[str, object]] | None:
        consultation = service.staff_consultation(session, tid, consultation_id)
        if consultation.municipality_slug != slug:
            return None
        return service.export_rows(session, tid, consultation_id, lang)

    rows = await serve(request, load)
    if kind == "csv":
        body, media = documents.export_round_csv(rows), "text/csv; charset=utf-8"
    else:
        sheet = t(lang, "consultations.staff.sheet")
        body, media = documents.export_round_xlsx(rows, sheet_title=sheet), _XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="hoering-{consultation_id}.{kind}"'},
    )
