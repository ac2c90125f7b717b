"""The staff dashboard as an ASGI app (Starlette, Jinja2 templates, no JavaScript build).

Every route lives under ``/staff``, so the same app is served alone (`frivillig web`), beside the
bot (`frivillig run`, `frivillig chat`) and inside the webhook workers next to ``/telegram``,
``/healthz`` and ``/metrics`` (`bot.webhook.asgi.WebhookApp` hands it every ``/staff`` request).

Layers, outermost first: security headers (CSP without inline scripts, no referrer: a login
token in a URL never leaks), CSRF (asgi-csrf: a signed double-submit cookie and a ``csrftoken``
field in every form, checked on every POST that carries cookies), the signed session cookie
(Starlette's `SessionMiddleware`: HttpOnly, SameSite=Lax, Secure over https, 8 hours, path
``/staff``; a Mini App session's cookies are `SameSite=None; Secure; Partitioned` over https, so
Telegram's web clients can keep them in their frame, see `bot.web.cookies`), then the routes.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from asgi_csrf import asgi_csrf
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.core.services import Services
from bot.web.common import SESSION_SECONDS, LoginRequiredError, render
from bot.web.cookies import MiniAppCookies, NoteMiniAppSession
from bot.web.pages import (
    applications,
    associations,
    broadcasts,
    consultations,
    interest_charts,
    login,
    meetings,
    notices,
    opportunities,
    overview,
)

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "frivillig_session"
CSRF_COOKIE = "frivillig_csrf"

#: Scripts only from this site (and Telegram's Mini App script on the Mini App page), no inline
#: script or style, forms post only here, framed only by Telegram's web clients.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' https://telegram.org",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        # Telegram Web (web.telegram.org/k and /a) shows a Mini App in a frame of its page; the
        # old webk./webz. hosts now redirect there. Nobody else may frame the dashboard.
        "frame-ancestors 'self' https://web.telegram.org",
    ]
)


def is_https(services: Services) -> bool:
    return services.settings.web_url.startswith("https://")


def session_secret(services: Services) -> str:
    secret = services.settings.web_session_secret
    # Without WEB_SESSION_SECRET every start makes a new one: sessions end at a restart, and
    # several workers would not read each other's cookies (the README says to set it).
    return secret.get_secret_value() if secret else secrets.token_urlsafe(32)


def routes() -> list[BaseRoute]:
    return [
        Route("/", lambda request: RedirectResponse("/staff/", status_code=307)),
        Route("/staff", lambda request: RedirectResponse("/staff/", status_code=307)),
        Route("/staff/", login.home),
        Route("/staff/login/{token}", login.link_page, methods=["GET"]),
        Route("/staff/login/{token}", login.link_login, methods=["POST"]),
        Route("/staff/app", login.mini_app, methods=["GET"]),
        Route("/staff/app/login", login.mini_app_login, methods=["POST"]),
        Route("/staff/logout", login.logout, methods=["POST"]),
        Route("/staff/language/{code}", login.switch_language, methods=["POST"]),
        Route("/staff/{slug}/", applications.index),
        Route("/staff/{slug}/overview", overview.overview),
        Route("/staff/{slug}/overview/rounds.svg", overview.rounds_chart),
        Route("/staff/{slug}/applications", applications.table),
        Route("/staff/{slug}/applications/export.{kind}", applications.export),
        Route("/staff/{slug}/applications/{app_id}", applications.detail),
        Route(
            "/staff/{slug}/applications/{app_id}/decision",
            applications.decide,
            methods=["POST"],
        ),
        Route("/staff/{slug}/applications/{app_id}/files/{key}", applications.attachment),
        *page_routes(),
        Mount("/staff/static", StaticFiles(directory=STATIC), name="static"),
    ]


def page_routes() -> list[BaseRoute]:
    """Møder, Nyheder, Høringer, Udsendelser, Frivilligopslag, Foreninger and Overblik's
    interest charts."""
    m = "/staff/{slug}/meetings"
    o = "/staff/{slug}/opportunities"
    return [
        Route("/staff/{slug}/overview/interests-areas.svg", interest_charts.areas_chart),
        Route("/staff/{slug}/overview/interests-towns.svg", interest_charts.towns_chart),
        Route(m, meetings.index),
        Route(f"{m}/new", meetings.new, methods=["GET"]),
        Route(f"{m}/new", meetings.create, methods=["POST"]),
        Route(m + "/{meeting_id}", meetings.detail),
        Route(m + "/{meeting_id}/attendees.csv", meetings.attendees),
        Route(m + "/{meeting_id}/rsvp.svg", meetings.rsvp_chart),
        Route(m + "/{meeting_id}/edit", meetings.edit, methods=["GET"]),
        Route(m + "/{meeting_id}/edit", meetings.save, methods=["POST"]),
        Route(m + "/{meeting_id}/cancel", meetings.cancel, methods=["POST"]),
        Route("/staff/{slug}/notices", notices.index),
        Route("/staff/{slug}/notices/new", notices.new, methods=["GET"]),
        Route("/staff/{slug}/notices/new", notices.create, methods=["POST"]),
        Route("/staff/{slug}/consultations", consultations.index),
        Route("/staff/{slug}/consultations/{consultation_id}/answers.{kind}", consultations.export),
        Route("/staff/{slug}/broadcasts", broadcasts.index),
        Route("/staff/{slug}/broadcasts/{broadcast_id}", broadcasts.detail),
        Route(o, opportunities.index),
        Route(f"{o}/import", opportunities.import_form, methods=["GET"]),
        Route(f"{o}/import", opportunities.import_upload, methods=["POST"]),
        Route(f"{o}/interests.csv", opportunities.export),
        Route(o + "/{opportunity_id}", opportunities.detail, methods=["GET"]),
        Route(o + "/{opportunity_id}", opportunities.save, methods=["POST"]),
        Route(o + "/{opportunity_id}/status", opportunities.set_status, methods=["POST"]),
        Route("/staff/{slug}/associations", associations.index),
    ]


async def _login_required(request: Request, exc: Exception) -> Response:
    return render(request, "login_help.html", status_code=401)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return render(request, "error.html", {"status": status}, status_code=status)


def build_web_app(services: Services) -> ASGIApp:
    """The dashboard for `services` (the composition root's, shared with the bot)."""
    https = is_https(services)
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(services),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_SECONDS,
                path="/staff",
                same_site="lax",
                https_only=https,
            ),
            Middleware(NoteMiniAppSession),
        ],
        exception_handlers={LoginRequiredError: _login_required, HTTPException: _http_error},
    )
    app.state.services = services
    protected = asgi_csrf(
        app,
        cookie_name=CSRF_COOKIE,
        signing_secret=session_secret(services),
        # "/", not "/staff": a request outside /staff (the browser's /favicon.ico) must carry it
        # too, or its error page would hand out a new token and spoil the open form's.
        cookie_path="/",
        cookie_secure=https,
        cookie_samesite="Lax",
        # asgi-csrf cannot read multipart bodies with python-multipart >= 0.0.26
        # (simonw/asgi-csrf#38): the one upload form checks its token itself.
        skip_if_scope=opportunities.checks_its_own_token,
    )
    return SecurityHeaders(MiniAppCookies(protected, (SESSION_COOKIE, CSRF_COOKIE), https=https))


class SecurityHeaders:
    """Adds the CSP and the other protective headers to every response of the dashboard."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
