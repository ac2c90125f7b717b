"""The dashboard's »Nyheder« and the meeting form's DST question in a real headless Chromium (the
fixtures of `test_web_browser`): a news item written and sent in the browser reaches a citizen in
Telegram and the send-out is in the page's audit log; a meeting at 2.30 on the night the clocks
go back is asked about and made at the instant chosen. Screenshots go to var/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Browser
from sqlalchemy import select
from telegram.ext import Application

from bot.core.services import Services
from bot.meetings.models import Meeting
from bot.store.database import transaction
from tests.e2e.test_web_browser import _link, browser, log_in, shot, web
from tests.e2e.test_web_pages import _dispatch_until, _fill_meeting
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver
from tests.unit.web.seed import STAFF_ID, add_staff

__all__ = ["browser", "web"]  # the fixtures, used by name


async def test_a_news_item_sent_in_the_browser_reaches_telegram_and_is_audited(
    web: str,
    browser: Browser,
    services: Services,
    telegram: TelegramDriver,
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    clock: FakeClock,
) -> None:
    await telegram.onboard()  # a citizen of Sønderborg who said yes to notices
    add_staff(services)
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    await page.click("nav.sections >> text=Nyheder")
    assert "ikke sendt nogen nyheder" in await page.inner_text("#notices")
    await page.click("#new-notice")
    await page.fill("#field-title", "Ny")
    await page.fill("#field-body", "Sæt kryds i kalenderen: Frivillighedens dag er 5. december.")
    await page.select_option("select[name=audience]", "citizens")
    await page.click("#preview")
    assert "mellem 3 og 200 tegn" in await page.inner_text("#error-title")
    await page.fill("#field-title", "Frivillighedens dag")
    await page.click("#preview")
    assert "1 modtager" in await page.inner_text("#audience")
    preview = await page.inner_text("#notice-da")
    assert "Nyt: Frivillighedens dag" in preview and "5. december" in preview
    await shot(page, "40-notice-preview")
    await page.click("#confirm button[type=submit]")
    await page.wait_for_selector("#tally")
    assert "/broadcasts/" in page.url
    await shot(page, "41-notice-sending")

    def arrived() -> bool:
        return any("Frivillighedens dag" in c.text for c in bot_api.sent(telegram.user.user_id))

    await _dispatch_until(telegram_app, services, clock, arrived)
    [sent] = [c for c in bot_api.sent(telegram.user.user_id) if "Frivillighedens dag" in c.text]
    assert "Sæt kryds i kalenderen" in sent.text and "Sønderborg" in sent.text
    await page.reload()
    assert await page.inner_text("#tally-sent") == "1"

    await page.click("nav.sections >> text=Nyheder")
    assert "Frivillighedens dag" in await page.inner_text("#notices")
    log = await page.inner_text("#audit")
    assert "Nyhed sendt: Frivillighedens dag" in log and "Kontrolpanel" in log
    assert str(STAFF_ID) in log
    await shot(page, "42-notices")


async def test_a_meeting_in_octobers_repeated_hour_is_asked_about_in_the_browser(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 1, 10, 12, 0, tzinfo=UTC))
    add_staff(services)
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    await page.goto(f"{web}/staff/sonderborg/meetings/new")
    await _fill_meeting(
        page,
        title="Natløb for frivillige",
        starts_at="31.10.2027 02:30",
        ends_at="04:00",
        place="Frivillighuset",
        address="Perlegade 50, 6400 Sønderborg",
    )
    await page.click("#preview")
    question = await page.inner_text("#dst-starts_at")
    assert "stilles uret tilbage fra kl. 03.00 til kl. 02.00" in question
    assert "kl. 02.30 sommertid" in question and "kl. 02.30 vintertid" in question
    await shot(page, "43-meeting-dst-question")
    await page.check("#dst-starts_at-1")  # the second 2.30: winter time
    await page.click("#preview")
    invitation = await page.inner_text("#invitation")
    assert "Natløb for frivillige" in invitation and "02.30" in invitation
    await page.click("#confirm button[type=submit]")
    await page.wait_for_selector("#tally")
    with transaction(services.db) as session:
        meeting = session.scalars(
            select(Meeting).where(Meeting.title == "Natløb for frivillige")
        ).one()
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 3, 0, tzinfo=UTC)
