"""Nyheder: the notices (news, a consultation's announcement, a theme day) the municipality has
sent with their tallies and the log of who sent them, and writing a new one.

A notice is read by `bot.meetings.notices` and sent by `service.send_notice`, exactly as the chat's
notice wizard does: form → preview (the message as recipients get it, per language, and how many)
→ confirmation → the send-out's live tally (`broadcasts.detail`). The draft key makes a confirmation
sent twice one send-out.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bot.delivery.report import broadcasts_of
from bot.i18n import t
from bot.meetings import notices, service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.notices import NOTICE_KINDS, read_notice
from bot.staff.audit import Channel, latest_of_kind, who
from bot.web.common import in_db, language, redirect, render, require_municipality, services_of
from bot.web.pages.broadcasts import tally_view
from bot.web.pages.shared import local, plain, serve, zone_of

#: The languages recipients read a notice in (`service._messages`: anything else reads Danish).
RECIPIENT_LANGUAGES = ("da", "en")
#: The form's fields besides the CSRF token.
FORM_FIELDS = ("draft_key", "kind", "title", "body", "audience", "confirm")


def _new_key() -> str:
    return "web-" + secrets.token_hex(16)


async def index(request: Request) -> Response:
    """The notices sent (newest first, with their tallies) and the log of their send-outs."""
    tid, slug = await require_municipality(request)
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, Any]:
        rows = [
            tally_view(row, zone, lang)
            for row in broadcasts_of(session, tid, slug)
            if row.broadcast.kind == "notice"
        ]
        entries = latest_of_kind(session, slug, notices.AUDIT_KIND)
        names = who(session, entries)
        log = [
            {
                "at": local(entry.at, zone, lang),
                "who": names.get(entry.actor_telegram_id),
                "action": entry.action,
                "channel": entry.channel,
                "title": str(entry.detail.get("title", "")),
                "broadcast": entry.subject_id,
            }
            for entry in entries
        ]
        return {"rows": rows, "audit": log}

    data = await serve(request, load)
    return render(request, "notices.html", {**data, "slug": slug})


async def _form(
    request: Request, slug: str, texts: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    def counts(session: Session) -> dict[str, int]:
        return {name: len(service.audience_recipients(session, name, slug)) for name in AUDIENCES}

    return render(
        request,
        "notice_form.html",
        {
            "slug": slug,
            "texts": texts,
            "errors": errors,
            "counts": await in_db(request, counts),
            "kinds": NOTICE_KINDS,
            "audiences": list(AUDIENCES),
        },
        status_code=status,
    )


async def new(request: Request) -> Response:
    """The empty form (a news item to everyone who receives messages, as the chat suggests)."""
    _, slug = await require_municipality(request)
    return await _form(request, slug, {"kind": "news", "draft_key": _new_key()}, {})


async def create(request: Request) -> Response:
    """Form → preview → confirm (``confirm=1``) → sent; ``confirm=back`` returns to the form."""
    tid, slug = await require_municipality(request)
    lang = language(request)
    posted = await request.form()
    texts = {name: str(posted.get(name) or "") for name in FORM_FIELDS}
    key = texts["draft_key"]
    if not key.startswith("web-") or len(key) != 36:
        texts["draft_key"] = key = _new_key()
    values, problems = read_notice(texts)
    errors = {name: t(lang, problem.key, **problem.params) for name, problem in problems.items()}
    if errors or texts["confirm"] == "back":
        texts.pop("confirm")
        return await _form(request, slug, texts, errors, 400 if errors else 200)
    if texts["confirm"] != "1":

        def preview(session: Session) -> dict[str, Any]:
            name = service.municipality_of(session, slug).name
            recipients = service.audience_recipients(session, values["audience"], slug)
            readers = Counter(
                r.language if r.language in RECIPIENT_LANGUAGES else "da" for r in recipients
            )
            shown = [code for code in RECIPIENT_LANGUAGES if readers[code]] or [lang]
            return {
                "count": len(recipients),
                "versions": [
                    {
                        "language": code,
                        "readers": readers[code],
                        "text": plain(
                            service.notice_text(
                                code, values["kind"], values["title"], values["body"], name
                            )
                        ),
                    }
                    for code in shown
                ],
            }

        shown = await serve(request, preview)
        texts.pop("confirm")
        return render(
            request,
            "notice_preview.html",
            {**shown, "slug": slug, "texts": texts, "audience": values["audience"]},
        )
    now = services_of(request).clock()

    def send(session: Session) -> int:
        broadcast, _ = service.send_notice(
            session,
            tid,
            key=key,
            municipality=slug,
            kind=values["kind"],
            title=values["title"],
            body=values["body"],
            audience=values["audience"],
            now=now,
            channel=Channel.WEB,
        )
        return broadcast.id

    broadcast_id = await serve(request, send)
    return redirect(f"/staff/{slug}/broadcasts/{broadcast_id}")
