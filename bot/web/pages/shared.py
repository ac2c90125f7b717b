"""What the meetings, broadcasts, opportunities and associations pages share: service calls off
the event loop that turn a refusal into a 404, ids read from the URL, local times."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.meetings.times import format_local
from bot.staff.access import NotStaffError
from bot.web.common import in_db, services_of

T = TypeVar("T")

#: How the pages show a moment (the municipality's wall clock): »15.03.2027 17:00«, which the
#: meeting fields read back unchanged (`bot.meetings.times`).
LOCAL_PATTERN = "dd.MM.y HH:mm"


async def serve(request: Request, work: Callable[[Session], T | None]) -> T:
    """`work` in one transaction off the loop; a service's `NotStaffError` (an id of another
    municipality) or a None answer is a 404, never a hint that the id exists."""
    try:
        result = await in_db(request, work)
    except NotStaffError:
        raise HTTPException(404) from None
    if result is None:
        raise HTTPException(404)
    return result


def path_id(request: Request, name: str) -> int:
    """A numeric id from the URL; anything else is a 404."""
    text = str(request.path_params.get(name, ""))
    if not text.isdigit() or len(text) > 12:
        raise HTTPException(404)
    return int(text)


def zone_of(request: Request, slug: str) -> str:
    """The municipality's IANA zone from the directory (`DEFAULT_ZONE` for an unknown slug)."""
    return services_of(request).directory.zone(slug)


def local(moment: datetime | None, zone: str, lang: str, pattern: str = LOCAL_PATTERN) -> str:
    return format_local(moment, zone, lang, pattern) if moment is not None else ""


_TAG = re.compile(r"<[^>]+>")


def plain(telegram_html: str) -> str:
    """A message as Telegram shows it, without its markup (the template escapes it again)."""
    return html.unescape(_TAG.sub("", telegram_html))
