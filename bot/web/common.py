"""What every dashboard page shares: who is logged in, the page's language, rendering, and
database work off the event loop.

A request is served by staff only: `staff_of` reads the Telegram id from the signed session and
`require_municipality` checks the staff role for the municipality in the URL on every request, so a
role removed in chat (`frivillig staff remove`) locks the web out at the next click. An unknown or
foreign municipality, application or file is a 404, never a hint that it exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.core.services import Services
from bot.i18n import LANGUAGES, t, tn
from bot.staff.access import is_staff
from bot.store.database import transaction

T = TypeVar("T")

#: A login lasts this long, whatever happens in between (issue 13: 8 hours).
SESSION_SECONDS = 8 * 3600
#: Languages the dashboard offers (Kalaallisut has no dashboard text yet and would show Danish).
WEB_LANGUAGES = ("da", "en")

TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # every value is escaped; nothing in a template is marked safe
        undefined=jinja2.StrictUndefined,
    )
)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def in_db(request: Request, work: Callable[[Session], T]) -> T:
    """Run `work` in one committed transaction in a worker thread (never on the event loop:
    one slow export must not hold up Telegram updates served by the same process)."""

    def run() -> T:
        with transaction(services_of(request).db) as session:
            return work(session)

    return await run_in_threadpool(run)


def language(request: Request) -> str:
    lang = request.session.get("lang")
    return lang if lang in WEB_LANGUAGES and lang in LANGUAGES else "da"


def staff_id(request: Request) -> int | None:
    """The logged-in Telegram id, or None (no session, or one older than `SESSION_SECONDS`)."""
    tid, since = request.session.get("tid"), request.session.get("since")
    if not isinstance(tid, int) or not isinstance(since, int | float):
        return None
    if time.time() - since > SESSION_SECONDS:
        request.session.clear()
        return None
    return tid


def start_session(request: Request, telegram_id: int, lang: str | None = None) -> None:
    """Log `telegram_id` in (a fresh session: nothing from before the login is kept)."""
    previous = language(request)
    request.session.clear()
    request.session.update(
        {
            "tid": telegram_id,
            "since": int(time.time()),
            "lang": lang if lang in WEB_LANGUAGES else previous,
        }
    )


class LoginRequiredError(Exception):
    """No valid session: the page answers with the login help (see `app.py`)."""


def require_login(request: Request) -> int:
    tid = staff_id(request)
    if tid is None:
        raise LoginRequiredError
    return tid


async def require_municipality(request: Request) -> tuple[int, str]:
    """(staff id, municipality slug from the URL) once the role is checked; 404 otherwise."""
    tid = require_login(request)
    slug = str(request.path_params.get("slug", ""))
    allowed = await in_db(request, lambda session: is_staff(session, tid, slug))
    if not allowed or slug not in services_of(request).directory.municipalities:
        raise HTTPException(404)
    return tid, slug


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A page in the session's language; `_`/`_n` are the bot's catalogs, `csrf` the form token."""
    lang = language(request)
    csrf = request.scope.get("csrftoken")
    base = {
        "lang": lang,
        "_": lambda key, **params: t(lang, key, **params),
        "_n": lambda key, n, **params: tn(lang, key, n, **params),
        "csrf": csrf() if callable(csrf) else "",
        "logged_in": staff_id(request) is not None,
        "root": request.scope.get("root_path", ""),
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **(context or {})}, status_code)


def redirect(url: str) -> RedirectResponse:
    """After a POST: a 303 so the browser GETs the next page (reload does not re-send)."""
    return RedirectResponse(url, status_code=303)
