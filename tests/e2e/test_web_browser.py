"""The staff dashboard in a real headless Chromium (Playwright driving Debian's `chromium`):
logging in by one-time link and by Mini App initData, a partial grant decided in the browser that
reaches the applicant in Telegram, and what a browser must refuse. Every page is saved as a
screenshot under var/screenshots/ (test artefacts, not committed)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from telegram.ext import Application

from bot.config import PROJECT_ROOT
from bot.core.services import Services
from bot.delivery.dispatcher import run_dispatcher
from bot.store.database import transaction
from bot.web.auth import create_login_link, sign_init_data
from bot.web.serve import build_server
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.web.seed import STAFF_ID, add_applications, add_staff

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def web(services: Services) -> AsyncIterator[str]:
    """The dashboard served by uvicorn on a free port, in this test's event loop."""
    services.settings.web_listen = "127.0.0.1"
    services.settings.web_port = _free_port()
    services.settings.web_base_url = None
    server = build_server(services)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield services.settings.web_url
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        yield chromium
        await chromium.close()


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _link(services: Services, telegram_id: int = STAFF_ID) -> str:
    with transaction(services.db) as session:
        return create_login_link(session, telegram_id, services.clock())


async def log_in(page: Page, base: str, token: str) -> None:
    await page.goto(f"{base}/staff/login/{token}")
    await page.click("#login")
    await page.wait_for_load_state()


async def test_login_by_one_time_link_valid_reused_expired(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    add_applications(services, 3)
    page = await browser.new_page()
    await page.goto(f"{web}/staff/")
    assert "Skriv /staff til mig i Telegram" in await page.inner_text("main")
    await shot(page, "01-login-help")
    token = _link(services)
    await page.goto(f"{web}/staff/login/{token}")
    await shot(page, "02-login-link")
    await page.click("#login")
    await page.wait_for_url(f"{web}/staff/sonderborg/overview")
    assert "3" in await page.inner_text("#rounds")
    await shot(page, "03-overview")
    await page.click("nav.sections >> text=Ansøgninger")
    assert "SON-2027-0001" in await page.inner_text("#applications")
    await shot(page, "03-applications")
    # The cookie a browser keeps: HttpOnly, SameSite=Lax, 8 hours, only for /staff.
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "frivillig_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/staff"
    assert not cookie["secure"]  # plain http here; the https case is in tests/unit/web
    # The browser counts Max-Age from its own (real) clock, not the test's fake one, which
    # stands still while a busy machine takes seconds to get here.
    assert 7.9 * 3600 < cookie["expires"] - time.time() <= 8 * 3600 + 5

    # The same link in another browser: spent.
    other = await browser.new_page()
    await log_in(other, web, token)
    assert "Linket virker ikke" in await other.inner_text("main")
    await shot(other, "04-login-link-used")
    # A link older than ten minutes: expired.
    late = _link(services)
    clock.advance(timedelta(minutes=11))
    await log_in(other, web, late)
    assert "Linket virker ikke" in await other.inner_text("main")
    assert (await other.goto(f"{web}/staff/sonderborg/applications")).status == 401  # type: ignore[union-attr]


async def _open_mini_app(page: Page, web: str, init_data: str) -> None:
    # Telegram's script is not reachable here; the page reads initData from the URL fragment,
    # where Telegram puts it too (tgWebAppData).
    await page.route("https://telegram.org/**", lambda route: route.fulfill(body=""))
    await page.goto(f"{web}/staff/app#tgWebAppData={init_data.replace('&', '%26')}")


async def test_login_by_mini_app_init_data_valid_forged_expired(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    add_applications(services, 2)
    token = services.settings.token or ""
    fields = {
        "user": json.dumps({"id": STAFF_ID, "first_name": "Mette", "language_code": "da"}),
        "auth_date": str(int(clock().timestamp())),
    }
    page = await browser.new_page()
    await _open_mini_app(page, web, sign_init_data(fields, token))
    await page.wait_for_url(f"{web}/staff/sonderborg/overview")
    await shot(page, "05-mini-app")

    forged = sign_init_data({**fields, "user": fields["user"]}, "999:ANOTHER-BOT")
    stale = sign_init_data(
        {**fields, "auth_date": str(int((clock() - timedelta(days=2)).timestamp()))}, token
    )
    for name, init_data in (("forged", forged), ("expired", stale)):
        fresh = await browser.new_page()
        await _open_mini_app(fresh, web, init_data)
        await fresh.wait_for_selector("#mini-app-failed")
        assert "kunne ikke logge dig ind" in await fresh.inner_text("main"), name
        response = await fresh.goto(f"{web}/staff/sonderborg/applications")
        assert response is not None and response.status == 401, name


async def test_a_reviewer_grants_part_in_the_browser_and_the_applicant_reads_it_in_telegram(
    web: str,
    browser: Browser,
    services: Services,
    telegram: TelegramDriver,
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    clock: FakeClock,
) -> None:
    await telegram.onboard()
    add_staff(services)
    [app_id, *_] = add_applications(services, 3, applicant=telegram.user.user_id)
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    await page.goto(f"{web}/staff/sonderborg/applications")
    await page.click("text=SON-2027-0001")
    await page.wait_for_url(f"{web}/staff/sonderborg/applications/{app_id}")
    main = await page.inner_text("main")
    assert "Leje af bus" in main and "I alt" in main and "10.100 kr." in main
    assert "Ingen afgørelser i logbogen endnu." in main
    await shot(page, "06-application")
    await page.check("input[value=approve]")
    await page.fill("input[name=amount]", "7.500")
    await page.fill("textarea[name=reason]", "Kaffen betaler I selv.")
    await page.click("#decision button[type=submit]")
    summary = await page.inner_text("#summary")
    assert "Du bevilger 7.500 kr. (ansøgt: 10.100 kr.)" in summary
    await shot(page, "07-confirm")
    await page.click("#confirm button[type=submit]")
    await page.wait_for_selector("#done")
    assert "Bevilget: 7.500 kr." in await page.inner_text("#granted")
    log = await page.inner_text("#audit")
    assert "Bevilget 7.500 kr.: Kaffen betaler I selv." in log and "Kontrolpanel" in log
    await shot(page, "08-decided")
    await page.goto(f"{web}/staff/sonderborg/overview")
    assert "7.500 kr." in await page.inner_text("#rounds")
    await shot(page, "10-overview")

    # The outbox dispatcher sends the notice through the (fake) Bot API to the applicant.
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_dispatcher(
            telegram_app.bot, services.db, rate=50, stop_event=stop, poll_interval=0.05, clock=clock
        )
    )
    for _ in range(100):
        if any("er bevilget" in c.text for c in bot_api.sent(telegram.user.user_id)):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    [notice] = [c for c in bot_api.sent(telegram.user.user_id) if "er bevilget" in c.text]
    assert "7.500 kr." in notice.text and "Begrundelse: Kaffen betaler I selv." in notice.text
    calls = await telegram.press("Se ansøgningen")
    assert "Status: bevilget" in texts(calls)


async def test_a_browser_cannot_reach_another_municipality_or_post_without_a_token(
    web: str, browser: Browser, services: Services
) -> None:
    add_staff(services)
    [own] = add_applications(services, 1)
    [foreign] = add_applications(services, 1, slug="tonder", code="TON", applicant=None)
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    response = await page.goto(f"{web}/staff/sonderborg/applications/{foreign}")
    assert response is not None and response.status == 404
    assert "Siden findes ikke" in await page.inner_text("main")
    await shot(page, "09-not-found")
    # A cross-site form would come without the token: refused, nothing decided.
    answer = await page.request.post(
        f"{web}/staff/sonderborg/applications/{own}/decision",
        form={"decision": "reject", "reason": "Nej", "confirm": "1"},
    )
    assert answer.status == 403
    await page.goto(f"{web}/staff/sonderborg/applications/{own}")
    assert "indsendt" in await page.inner_text("#status")
