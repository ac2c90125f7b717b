"""Foreninger: the municipality's associations with their contact, whether the contact has
linked Telegram (interests then reach them in chat), and their § 18 applications and grants."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bot.grants.by_association import figures_by_applicant, fold
from bot.grants.fields import format_amount
from bot.matching import upkeep
from bot.web.common import language, render, require_municipality
from bot.web.pages.shared import serve


async def index(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    lang = language(request)

    def load(session: Session) -> list[dict[str, Any]]:
        figures = figures_by_applicant(session, tid, slug)
        rows = []
        for association in upkeep.associations(session, tid, slug):
            numbers = figures.get(fold(association.name))
            rows.append(
                {
                    "name": association.name,
                    "contact": association.contact_name or "",
                    "email": association.contact_email or "",
                    "phone": association.contact_phone or "",
                    "linked": association.contact_telegram_id is not None,
                    "applications": numbers.applications if numbers else 0,
                    "applied": format_amount(numbers.applied, lang) if numbers else "",
                    "granted": format_amount(numbers.granted, lang)
                    if numbers and numbers.granted
                    else "",
                }
            )
        return rows

    rows = await serve(request, load)
    return render(request, "associations.html", {"slug": slug, "rows": rows})
