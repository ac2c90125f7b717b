"""Cookies a Mini App in Telegram's web clients can keep.

Telegram Web (web.telegram.org/k and /a) shows a Mini App in an iframe of its own site. For the
browser that is a cross-site frame: a `SameSite=Lax` cookie is neither stored from nor sent with
its requests, so the session (and the CSRF cookie its forms need) would be lost right after the
login. Cookies meant for such a frame must be `SameSite=None; Secure`, and browsers that block
third-party cookies keep them only with `Partitioned` (CHIPS: a cookie jar per top-level site,
Chrome 114+, Safari 18.4+, Firefox 131+; developer.chrome.com/docs/privacy-sandbox/chips).

So, over https only, the session and CSRF cookies of a session started from Mini App initData
(and of the Mini App's own login page, before there is a session) are sent as
`SameSite=None; Secure; Partitioned`. A session started from a browser login link keeps
`SameSite=Lax`. Forms stay protected by their CSRF token either way, and the CSP's
`frame-ancestors` lets only Telegram's web origin frame the dashboard.

Two ASGI layers share one mark through the scope: `MiniAppCookies` wraps the whole dashboard
(outside asgi-csrf, which sets its cookie itself and hands the app a copy of the scope), and
`NoteMiniAppSession` sits inside the session middleware, where the session can be read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The session's flag for a login by Mini App initData (`bot.web.pages.login.mini_app_login`).
MINI_APP_KEY = "mini_app"
#: The Mini App's page and its login, where the CSRF cookie is first set inside the frame.
MINI_APP_PATHS = ("/staff/app", "/staff/app/login")
_SCOPE_KEY = "frivillig.mini_app_cookies"
_REPLACED = {"samesite", "secure", "partitioned"}


@dataclass
class _Mark:
    cross_site: bool


def cross_site(header: str) -> str:
    """A Set-Cookie value with `Secure; SameSite=None; Partitioned` instead of its own
    SameSite/Secure/Partitioned attributes (everything else, expiry included, kept)."""
    first, *attributes = [part.strip() for part in header.split(";")]
    kept = [a for a in attributes if a and a.split("=", 1)[0].strip().lower() not in _REPLACED]
    return "; ".join([first, *kept, "Secure", "SameSite=None", "Partitioned"])


class MiniAppCookies:
    """Rewrites the Set-Cookie headers of `names` for a Mini App session (see the module)."""

    def __init__(self, app: ASGIApp, names: Collection[str], *, https: bool) -> None:
        self.app = app
        self.names = {name.encode("latin-1") for name in names}
        self.https = https  # a Secure cookie over plain http would be dropped: Lax stays there

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.https:
            await self.app(scope, receive, send)
            return
        mark = _Mark(cross_site=scope["path"].rstrip("/") in MINI_APP_PATHS)
        scope[_SCOPE_KEY] = mark

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start" and mark.cross_site:
                message["headers"] = [
                    (key, value)
                    if key != b"set-cookie" or not self._ours(value)
                    # Set-Cookie values are latin-1 on the wire (RFC 9110, 5.5).
                    else (key, cross_site(value.decode("latin-1")).encode("latin-1"))
                    for key, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, rewrite)

    def _ours(self, value: bytes) -> bool:
        return value.split(b"=", 1)[0].strip() in self.names


class NoteMiniAppSession:
    """Inside `SessionMiddleware`: marks the response for `MiniAppCookies` when the session was
    started from Mini App initData, before or during this request (so »Log ud« also clears the
    partitioned cookie, which a Lax deletion would not reach)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mark = scope.get(_SCOPE_KEY)
        if scope["type"] != "http" or not isinstance(mark, _Mark):
            await self.app(scope, receive, send)
            return
        if scope.get("session", {}).get(MINI_APP_KEY):
            mark.cross_site = True

        async def note(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"].get(MINI_APP_KEY):
                mark.cross_site = True
            await send(message)

        await self.app(scope, receive, note)
