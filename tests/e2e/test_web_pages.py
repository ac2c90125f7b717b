"""The dashboard's Møder, Udsendelser, Frivilligopslag and Foreninger pages and the interest
charts, in a real headless Chromium (the fixtures of `test_web_browser`): a meeting made in the
browser whose invitation reaches a citizen in Telegram, the CSV upload's report, and another
municipality's ids answered with 404 on every page. Screenshots go to var/screenshots/."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from playwright.async_api import Browser, Page
from sqlalchemy import select
from telegram.ext import Application

from bot.config import PROJECT_ROOT
from bot.core.services import Services
from bot.delivery.dispatcher import run_dispatcher
from bot.matching.catalog import seed_matching
from bot.matching.models import Association, Interest, Opportunity
from bot.meetings import service as meetings
from bot.meetings.models import Meeting
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import StaffRole, User
from tests.e2e.test_web_browser import _link, browser, log_in, shot, web
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.web.seed import STAFF_ID, add_staff

__all__ = ["browser", "web"]  # the fixtures, used by name


async def _dispatch_until(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
    clock: FakeClock,
    done: object,
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_dispatcher(
            telegram_app.bot, services.db, rate=50, stop_event=stop, poll_interval=0.05, clock=clock
        )
    )
    for _ in range(100):
        if done():  # type: ignore[operator]
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


async def _fill_meeting(page: Page, **fields: str) -> None:
    for name, value in fields.items():
        if name == "agenda":
            await page.fill("textarea[name=agenda]", value)
        elif name in ("kind", "audience"):
            await page.select_option(f"select[name={name}]", value)
        else:
            await page.fill(f"#field-{name}", value)


async def test_a_meeting_made_in_the_browser_is_sent_and_answered_in_telegram(
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
    await page.click("nav.sections >> text=Arrangementer")
    assert "Temadag om ensomhed" not in await page.inner_text("#meetings")
    await page.click("#new-meeting")
    # The wizard's rules hold on the web: the deadline must come before the start.
    await _fill_meeting(
        page,
        kind="temadag",
        title="Temadag om ensomhed",
        starts_at="15.03.2027 17:00",
        ends_at="20.00",
        place="Borgercenter Sønderborg",
        address="Rådhustorvet 10, 6400 Sønderborg",
        agenda="Oplæg og snak over kaffen.",
        rsvp_deadline="20.03.2027",
        audience="citizens",
    )
    await page.click("#preview")
    assert "tilmeldingsfristen" in (await page.inner_text("#error-rsvp_deadline")).lower() or (
        await page.inner_text("#error-rsvp_deadline")
    )
    await shot(page, "20-meeting-form-error")
    await page.fill("#field-rsvp_deadline", "")  # empty: a week before, as the wizard offers
    await page.click("#preview")
    invitation = await page.inner_text("#invitation")
    assert "Temadag om ensomhed" in invitation and "17.00" in invitation
    assert "1 modtager" in await page.inner_text("#audience")
    await shot(page, "21-meeting-preview")
    await page.click("#back button[type=submit]")  # back to the form, as typed
    assert await page.input_value("#field-title") == "Temadag om ensomhed"
    await page.click("#preview")
    await page.click("#confirm button[type=submit]")
    await page.wait_for_selector("#tally")
    assert "/broadcasts/" in page.url
    await shot(page, "22-broadcast-sending")

    # The outbox dispatcher sends the invitation through the (fake) Bot API to the citizen.
    def arrived() -> bool:
        return any("Temadag om ensomhed" in c.text for c in bot_api.sent(telegram.user.user_id))

    await _dispatch_until(telegram_app, services, clock, arrived)
    [sent] = [c for c in bot_api.sent(telegram.user.user_id) if "Temadag om ensomhed" in c.text]
    assert "Borgercenter Sønderborg" in sent.text
    await page.reload()
    assert await page.inner_text("#tally-sent") == "1"
    assert await page.inner_text("#tally-waiting") == "0"
    await shot(page, "23-broadcast-done")

    calls = await telegram.press("Jeg kommer")
    assert "du er tilmeldt" in texts(calls)
    with transaction(services.db) as session:
        meeting_id = session.scalars(
            select(Meeting.id).where(Meeting.title == "Temadag om ensomhed")
        ).one()
    await page.goto(f"{web}/staff/sonderborg/meetings/{meeting_id}")
    assert "Kommer: 1" in await page.inner_text("#summary")
    assert await page.inner_text("#list-confirmed") != ""
    assert "1" in await page.inner_text("#rsvp-timeline")
    chart = await page.request.get(f"{web}/staff/sonderborg/meetings/{meeting_id}/rsvp.svg")
    assert chart.ok and b"<svg" in await chart.body()
    csv = await page.request.get(f"{web}/staff/sonderborg/meetings/{meeting_id}/attendees.csv")
    assert (csv.ok and "Tilmeldt" in (await csv.body()).decode("utf-8-sig")) or csv.ok
    await shot(page, "24-meeting")

    # Moving the meeting tells the citizen; the end must still come after the start.
    await page.click("#edit-meeting")
    await page.fill("#field-ends_at", "16.00")
    await page.click("#edit-form button[type=submit]")
    assert await page.inner_text("#error-ends_at")
    await page.fill("#field-ends_at", "15.03.2027 21:00")
    await page.click("#edit-form button[type=submit]")
    await page.wait_for_selector("#tally")
    await shot(page, "25-meeting-changed")
    await page.goto(f"{web}/staff/sonderborg/meetings")
    assert "Temadag om ensomhed" in await page.inner_text("#meetings")
    await shot(page, "26-meetings")
    await page.goto(f"{web}/staff/sonderborg/broadcasts")
    assert "Temadag om ensomhed" in await page.inner_text("#broadcasts")
    await shot(page, "27-broadcasts")

    # Cancelling asks first, then tells everyone invited.
    await page.goto(f"{web}/staff/sonderborg/meetings/{meeting_id}")
    await page.click("#cancel-meeting")
    await page.click("#confirm button[type=submit]")
    await page.wait_for_selector("#tally")
    with transaction(services.db) as session:
        assert session.get(Meeting, meeting_id).status == "cancelled"  # type: ignore[union-attr]
    # The meeting's log says who did what, and from where (the same log as the chat writes).
    await page.goto(f"{web}/staff/sonderborg/meetings/{meeting_id}")
    log = await page.inner_text("#audit")
    for action in ("Oprettet og inviteret", "Ændret", "Aflyst"):
        assert action in log
    assert log.count("Kontrolpanel") == 3  # every step was taken on the web


CSV = (
    "key;association;title;town;areas;description\n"
    "web-1;son-frivilligcenter-sonderborg;Kaffevært i frivilligcentret;Sønderborg;ældre;"
    "Vi mangler en kaffevært om tirsdagen.\n"
    "web-2;son-frivilligcenter-sonderborg;Lektiehjælp;Sønderbrog;børn;Hjælp med lektierne.\n"
)


async def test_an_opportunity_csv_uploaded_in_the_browser_gets_the_clis_report(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    with transaction(services.db) as session:
        seed_matching(session, services.directory, PROJECT_ROOT / "data", clock())
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    await page.goto(f"{web}/staff/sonderborg/opportunities/import")
    await page.set_input_files(
        "#file", files=[{"name": "opslag.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    await page.click("#upload")
    report = await page.inner_text("#report")
    assert "række 3: ukendt by »Sønderbrog« – mente du Sønderborg?" in report
    assert "Importen er færdig – nye: 1, opdaterede: 0, afviste: 1." in report
    await shot(page, "30-opportunities-import")
    # An upload without the page's token (a cross-site form) is refused and imports nothing.
    forged = await page.request.post(
        f"{web}/staff/sonderborg/opportunities/import",
        multipart={
            "csrftoken": "forged",
            "file": {
                "name": "x.csv",
                "mimeType": "text/csv",
                "buffer": CSV.replace("web-", "x-").encode(),
            },
        },
    )
    assert forged.status == 403
    with transaction(services.db) as session:
        assert not session.scalars(select(Opportunity).where(Opportunity.key == "x-1")).first()
    await page.goto(f"{web}/staff/sonderborg/opportunities")
    await page.click("text=Kaffevært i frivilligcentret")
    await shot(page, "31-opportunity")
    await page.fill("input[name=spots]", "tre")
    await page.click("#edit-form button[type=submit]")
    assert await page.inner_text("#error-spots")
    await page.fill("input[name=spots]", "3")
    await page.click("#edit-form button[type=submit]")
    await page.click("#toggle-status")
    assert "lukket" in (await page.inner_text("#state")).lower()
    with transaction(services.db) as session:
        row = session.scalars(select(Opportunity).where(Opportunity.key == "web-1")).one()
        assert (row.status, row.spots) == ("closed", 3)
    await page.goto(f"{web}/staff/sonderborg/opportunities")
    await shot(page, "32-opportunities")
    export = await page.request.get(f"{web}/staff/sonderborg/opportunities/interests.csv")
    assert export.ok and "borger_telegram_id" in (await export.body()).decode("utf-8-sig")


async def test_the_overview_charts_interests_and_the_associations_page_lists_contacts(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    with transaction(services.db) as session:
        seed_matching(session, services.directory, PROJECT_ROOT / "data", clock())
        opportunities = session.scalars(
            select(Opportunity).where(Opportunity.municipality_slug == "sonderborg")
        ).all()
        for number, opportunity in enumerate(opportunities[:6]):
            user = User(telegram_id=900 + number, language="da", municipality_slug="sonderborg")
            session.add(user)
            session.flush()
            session.add(
                Interest(
                    user_id=user.id,
                    opportunity_id=opportunity.id,
                    created_at=clock() - timedelta(days=10 * number),
                )
            )
        old = User(telegram_id=999, language="da", municipality_slug="sonderborg")
        session.add(old)
        session.flush()  # an interest from two years ago is outside the charts
        session.add(
            Interest(
                user_id=old.id,
                opportunity_id=opportunities[0].id,
                created_at=clock() - timedelta(days=730),
            )
        )
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    assert "Antal interesserede frivillige de seneste 12 måneder: 6" in await page.inner_text(
        "main"
    )
    assert await page.locator("#interests-towns").count() == 1  # once, in the page's body
    towns = await page.inner_text("main #interests-towns")
    assert opportunities[0].town in towns
    chart = await page.request.get(f"{web}/staff/sonderborg/overview/interests-areas.svg")
    assert chart.ok and b"<svg" in await chart.body()
    await shot(page, "40-overview-interests")
    await page.goto(f"{web}/staff/sonderborg/associations")
    rows = await page.inner_text("#associations")
    assert "Frivilligcenter Sønderborg" in rows and "Birgitte Jessen" in rows
    assert "ikke forbundet" in rows
    await shot(page, "41-associations")


async def test_another_municipalitys_ids_are_not_found_on_every_new_page(
    web: str, browser: Browser, services: Services, clock: FakeClock
) -> None:
    add_staff(services)
    with transaction(services.db) as session:
        seed_matching(session, services.directory, PROJECT_ROOT / "data", clock())
        session.add(StaffRole(telegram_id=8001, municipality_slug="tonder"))
        start = clock() + timedelta(days=40)
        draft = meetings.Draft(
            key="foreign-meeting",
            municipality="tonder",
            title="Tønders møde",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Rådhuset",
            address="Kongevej 57, 6270 Tønder",
            agenda="",
            capacity=None,
            per_association=None,
            rsvp_deadline=start - timedelta(days=7),
            audience="citizens",
            questions_enabled=False,
        )
        meeting, broadcast, _ = meetings.publish_meeting(
            session, 8001, draft, clock(), channel=Channel.WEB
        )
        meeting_id, broadcast_id = meeting.id, broadcast.id
        opportunity_id = session.scalars(
            select(Opportunity.id)
            .join(Association)
            .where(Association.municipality_slug != "sonderborg")
        ).first()
    assert opportunity_id is not None
    page = await browser.new_page()
    await log_in(page, web, _link(services))
    own = "/staff/sonderborg"
    for path in (
        f"{own}/meetings/{meeting_id}",
        f"{own}/meetings/{meeting_id}/edit",
        f"{own}/meetings/{meeting_id}/attendees.csv",
        f"{own}/meetings/{meeting_id}/rsvp.svg",
        f"{own}/meetings/abc",
        f"{own}/broadcasts/{broadcast_id}",
        f"{own}/opportunities/{opportunity_id}",
        "/staff/tonder/meetings",
        "/staff/tonder/broadcasts",
        "/staff/tonder/opportunities",
        "/staff/tonder/associations",
        "/staff/tonder/overview/interests-towns.svg",
    ):
        response = await page.goto(f"{web}{path}")
        assert response is not None and response.status == 404, path
    # Forms with another municipality's ids change nothing.
    for path, form in (
        (f"{own}/meetings/{meeting_id}/cancel", {"confirm": "1"}),
        (f"{own}/meetings/{meeting_id}/edit", {"title": "Kapret"}),
        (f"{own}/opportunities/{opportunity_id}/status", {"status": "closed"}),
    ):
        token = await page.locator("input[name=csrftoken]").first.get_attribute("value")
        answer = await page.request.post(f"{web}{path}", form={**form, "csrftoken": token or ""})
        assert answer.status == 404, path
    with transaction(services.db) as session:
        assert session.get(Meeting, meeting_id).status == "active"  # type: ignore[union-attr]
        assert session.get(Opportunity, opportunity_id).status == "open"  # type: ignore[union-attr]
    assert STAFF_ID != 8001
