"""The Mini App in Telegram's web clients: a session started from initData keeps its cookies in
a cross-site frame (`SameSite=None; Secure; Partitioned`, over https only), a browser-link
session stays `SameSite=Lax`, and only Telegram's web origin may frame the dashboard."""

from __future__ import annotations

import json
import re

from starlette.testclient import TestClient

from bot.core.services import Services
from bot.store.database import transaction
from bot.web.app import CSRF_COOKIE, SESSION_COOKIE, build_web_app
from bot.web.auth import create_login_link, sign_init_data
from bot.web.cookies import cross_site
from tests.unit.web.seed import STAFF_ID, add_staff
from tests.unit.web.test_dashboard import _csrf


def _flags(headers: list[str], name: str) -> set[str]:
    [cookie] = [c for c in headers if c.startswith(f"{name}=")]
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def _mini_app_login(client: TestClient, services: Services) -> tuple[list[str], list[str]]:
    """Open the Mini App page and post its initData: both answers' Set-Cookie headers."""
    fields = {
        "user": json.dumps({"id": STAFF_ID, "first_name": "Mette", "language_code": "da"}),
        "auth_date": str(int(services.clock().timestamp())),
    }
    page = client.get("/staff/app")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf is not None
    answer = client.post(
        "/staff/app/login",
        data={"init_data": sign_init_data(fields, services.settings.token or ""),
              "csrftoken": csrf.group(1)},
    )  # fmt: skip
    assert answer.json() == {"ok": True, "next": "/staff/"}
    return page.headers.get_list("set-cookie"), answer.headers.get_list("set-cookie")


def test_over_https_a_mini_app_session_keeps_its_cookies_in_telegram_webs_frame(
    services: Services,
) -> None:
    add_staff(services)
    services.settings.web_base_url = "https://staff.example.dk"
    with TestClient(build_web_app(services), base_url="https://staff.example.dk") as client:
        page_cookies, login_cookies = _mini_app_login(client, services)
        assert {"secure", "samesite=none", "partitioned", "path=/"} <= _flags(
            page_cookies, CSRF_COOKIE
        )
        session = _flags(login_cookies, SESSION_COOKIE)
        assert {"httponly", "secure", "samesite=none", "partitioned", "max-age=28800"} <= session
        assert "samesite=lax" not in session
        # The cookie comes back with the next request, and a page does not make it Lax again.
        overview = client.get("/staff/sonderborg/overview")
        assert overview.status_code == 200
        assert not [c for c in overview.headers.get_list("set-cookie") if "samesite=lax" in c]
        # »Log ud« deletes the partitioned cookie (a Lax deletion would not reach it).
        logout = client.post("/staff/logout", data={"csrftoken": _csrf(overview.text)})
        gone = _flags(logout.headers.get_list("set-cookie"), SESSION_COOKIE)
        assert "partitioned" in gone and any(f.startswith("expires=thu, 01 jan 1970") for f in gone)
        assert client.get("/staff/sonderborg/overview").status_code == 401


def test_a_browser_link_session_and_plain_http_stay_same_site_lax(services: Services) -> None:
    add_staff(services)
    services.settings.web_base_url = "https://staff.example.dk"
    with TestClient(build_web_app(services), base_url="https://staff.example.dk") as client:
        with transaction(services.db) as session:
            token = create_login_link(session, STAFF_ID, services.clock())
        page = client.get(f"/staff/login/{token}")
        answer = client.post(f"/staff/login/{token}", data={"csrftoken": _csrf(page.text)})
        flags = _flags(answer.history[0].headers.get_list("set-cookie"), SESSION_COOKIE)
        assert "samesite=lax" in flags and "partitioned" not in flags
        assert "SameSite=Lax" in page.headers["set-cookie"]
    services.settings.web_base_url = "http://127.0.0.1:8000"
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        page_cookies, login_cookies = _mini_app_login(client, services)
        # A Secure cookie over plain http would be dropped: Lax, as before.
        assert "samesite=lax" in _flags(login_cookies, SESSION_COOKIE)
        assert "partitioned" not in _flags(page_cookies, CSRF_COOKIE)


def test_only_telegram_web_may_frame_the_dashboard(services: Services) -> None:
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        policy = client.get("/staff/app").headers["content-security-policy"]
    [ancestors] = [p.strip() for p in policy.split(";") if "frame-ancestors" in p]
    assert ancestors == "frame-ancestors 'self' https://web.telegram.org"


def test_a_cookie_made_cross_site_keeps_its_value_path_and_expiry() -> None:
    header = "frivillig_session=abc==; path=/staff; Max-Age=28800; httponly; samesite=lax; secure"
    assert cross_site(header) == (
        "frivillig_session=abc==; path=/staff; Max-Age=28800; httponly; "
        "Secure; SameSite=None; Partitioned"
    )
