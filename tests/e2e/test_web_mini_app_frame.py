"""The Mini App as Telegram Web shows it: in an iframe of https://web.telegram.org, a site other
than the dashboard's. Real headless Chromium, the dashboard served over https by uvicorn (a
self-signed certificate made for the test), Telegram's page played by Playwright's routing."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from bot.core.services import Services
from bot.web.app import build_web_app
from bot.web.auth import sign_init_data
from tests.e2e.test_web_browser import CHROMIUM, _free_port, shot
from tests.fakes.clock import FakeClock
from tests.unit.web.seed import STAFF_ID, add_applications, add_staff

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)"
)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def https_web(services: Services, tmp_path: Path) -> AsyncIterator[str]:
    """The dashboard on https://127.0.0.1:<free port>, in this test's event loop."""
    port = _free_port()
    services.settings.web_base_url = f"https://127.0.0.1:{port}"
    cert, key = _self_signed(tmp_path)
    server = uvicorn.Server(
        uvicorn.Config(
            build_web_app(services), host="127.0.0.1", port=port, lifespan="off",
            log_config=None, access_log=False, ssl_certfile=str(cert), ssl_keyfile=str(key),
        )
    )  # fmt: skip
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield services.settings.web_base_url
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium that lets a public site frame a page on 127.0.0.1: its Local Network Access
    check would refuse, where the real dashboard is a public https site like Telegram's."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-features=LocalNetworkAccessChecks"],
        )
        yield chromium
        await chromium.close()


async def _framed_by(page: Page, site: str, url: str) -> None:
    """Open `site` as a page whose only content is an iframe of `url`."""
    body = f'<!doctype html><title>Telegram</title><iframe id="app" src="{url}" width="1200" height="800"></iframe>'  # noqa: E501
    await page.route("https://telegram.org/**", lambda route: route.fulfill(body=""))
    await page.route(f"{site}/**", lambda route: route.fulfill(content_type="text/html", body=body))
    await page.goto(f"{site}/k/")


async def test_the_mini_app_stays_logged_in_inside_telegram_webs_frame(
    https_web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    add_applications(services, 2)
    fields = {
        "user": json.dumps({"id": STAFF_ID, "first_name": "Mette", "language_code": "da"}),
        "auth_date": str(int(clock().timestamp())),
    }
    init_data = sign_init_data(fields, services.settings.token or "").replace("&", "%26")
    app_url = f"{https_web}/staff/app#tgWebAppData={init_data}"
    context = await browser.new_context(ignore_https_errors=True)
    page = await context.new_page()
    await _framed_by(page, "https://web.telegram.org", app_url)
    frame = page.frame_locator("#app")
    # Logged in inside the frame: the overview, with the round's two applications.
    await frame.locator("#rounds").wait_for(timeout=30_000)
    assert "2" in await frame.locator("#rounds").inner_text()
    # The next click in the frame still carries the session (a Lax cookie would not be sent).
    await frame.locator("nav.sections >> text=Ansøgninger").click()
    await frame.locator("#applications").wait_for(timeout=30_000)
    assert "SON-2027-0001" in await frame.locator("#applications").inner_text()
    await shot(page, "06-mini-app-in-telegram-web")
    [cookie] = [c for c in await context.cookies() if c["name"] == "frivillig_session"]
    assert cookie["sameSite"] == "None" and cookie["secure"]

    # Any other site may not frame the dashboard (CSP frame-ancestors): nothing of it shows.
    other = await context.new_page()
    await _framed_by(other, "https://elsewhere.example", app_url)
    await other.wait_for_timeout(2_000)
    assert await other.frame_locator("#app").locator("main").count() == 0
    await context.close()
