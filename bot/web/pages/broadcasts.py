"""Udsendelser: every broadcast of the municipality with its tally (sent, blocked, failed,
waiting), and one broadcast's progress while it is sent (the page reloads itself by a meta
refresh until nothing waits: no script, so the CSP stays strict)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bot.delivery.report import BroadcastRow, broadcast_of, broadcasts_of
from bot.web.common import language, render, require_municipality
from bot.web.pages.shared import local, path_id, serve, zone_of

#: Seconds between reloads of a broadcast that is still being sent.
REFRESH_SECONDS = 2
#: Broadcast kinds with a name in the catalogs (``web.broadcasts.kind.<kind>``).
KINDS = ("invitation", "change", "cancellation", "reminder", "notice")


def tally_view(row: BroadcastRow, zone: str, lang: str) -> dict[str, Any]:
    """A broadcast and its tally as the pages show them (times local to `zone`)."""
    tally = row.tally
    return {
        "id": row.broadcast.id,
        "title": row.broadcast.title,
        "kind": row.broadcast.kind,
        "created": local(row.broadcast.created_at, zone, lang),
        "total": tally.total,
        "sent": tally.delivered,
        "blocked": tally.blocked,
        "failed": tally.failed,
        "skipped": tally.skipped,
        "waiting": tally.pending,
        "percent": round(100 * tally.done / tally.total) if tally.total else 100,
    }


async def index(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> list[dict[str, Any]]:
        return [tally_view(row, zone, lang) for row in broadcasts_of(session, tid, slug)]

    rows = await serve(request, load)
    return render(request, "broadcasts.html", {"slug": slug, "rows": rows, "kinds": KINDS})


async def detail(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    broadcast_id = path_id(request, "broadcast_id")
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, Any] | None:
        row = broadcast_of(session, tid, slug, broadcast_id)
        return tally_view(row, zone, lang) if row is not None else None

    row = await serve(request, load)
    return render(
        request,
        "broadcast.html",
        {"slug": slug, "row": row, "refresh": REFRESH_SECONDS if row["waiting"] else None},
    )
