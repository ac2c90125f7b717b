"""Events of every kind and companies through the real PTB Application against the fake Bot API
(issue 18 §1, §4): a company registers and is invited to a coordination meeting, which it
answers from the invitation the dispatcher delivered; a volunteer signs up for a course."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from telegram.ext import Application

from bot.companies.models import Company
from bot.core.conversation import Conversation
from bot.meetings.models import Meeting
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.e2e.test_telegram_meetings import _dispatch, documents
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.meetings.conftest import NOW, make_staff
from tests.unit.meetings.events import make_volunteer, publish_event


async def test_a_company_registers_and_answers_its_coordination_meeting_invitation(
    telegram: TelegramDriver,
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    company = telegram
    await company.onboard()
    calls = await company.send("/company")
    assert "Registrér virksomheden her" in texts(calls)
    await company.press("Registrér virksomheden")
    await company.send("Nordals IT ApS")
    await company.send("12345674")
    await company.send("Jens Jensen")
    await company.send("+45 20 30 40 50")
    await company.press("Faglig hjælp med IT")
    await company.press("Undervisere til kurser")
    await company.press("Færdig")
    await company.press("Nej, kun gennem kommunen")
    calls = await company.press("Gem registreringen")
    assert "Nordals IT ApS er registreret hos kommunen" in texts(calls)

    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7002, municipality_slug="sonderborg"))
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7002, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    calls = await staff.press("Virksomheder")
    assert "Nordals IT ApS</b> – Faglig hjælp med IT, Undervisere til kurser" in texts(calls)
    calls = await staff.press("Nyt koordineringsmøde")
    assert "Hvad hedder arrangementet (Koordineringsmøde med virksomheder)" in texts(calls)
    await staff.send("Koordineringsmøde med virksomhederne 2027")
    await staff.send("15/3-2027 kl. 9")
    await staff.send("11")
    await staff.send("Rådhuset")
    await staff.send("Rådhustorvet 10, 6400 Sønderborg")
    await staff.press("Intet program endnu")
    await staff.press("Ingen grænse")
    calls = await staff.press("En uge før")
    audiences = [label for c in calls for label, _ in c.buttons if label.endswith(")")]
    assert audiences[0] == "Virksomheder, der er registreret hos kommunen (1)"  # the default
    calls = await staff.press("Virksomheder, der er registreret hos kommunen")
    assert "inviterer virksomheder til koordineringsmøde" in texts(calls)
    calls = await staff.press("Send til 1")
    assert "på vej til 1 modtager" in texts(calls)

    await _dispatch(telegram_app, conversation)
    invitation = [
        c for c in bot_api.sent(company.user.user_id) if "inviterer virksomheder" in c.text
    ]
    assert len(invitation) == 1
    with conversation.services.db.unit_of_work() as uow:
        meeting_id = uow.session.scalars(
            select(Meeting.id).where(Meeting.kind == "koordinering")
        ).one()
        assert uow.session.scalars(select(Company.name)).one() == "Nordals IT ApS"
    assert ("Jeg kommer", f"g:meetings:rsvp:{meeting_id}:y") in invitation[0].buttons
    calls = await company.press("Jeg kommer")
    assert "du er tilmeldt <b>Koordineringsmøde med virksomhederne 2027</b>" in texts(calls)
    assert len(documents(calls)) == 1  # the calendar file


async def test_a_volunteer_signs_up_for_a_course(
    telegram: TelegramDriver, conversation: Conversation, clock: FakeClock
) -> None:
    clock.set(NOW)
    await telegram.onboard()
    make_staff(conversation)
    make_volunteer(conversation, telegram.user.user_id)
    course = publish_event(
        conversation,
        kind="kursus",
        audience="volunteers",
        title="Førstehjælp for frivillige",
        capacity=20,
        starts=NOW + timedelta(days=40),
    )
    calls = await telegram.send("/meetings")
    assert "Kursus for frivillige · " in texts(calls)
    calls = await telegram.press("Førstehjælp for frivillige")
    assert "inviterer til kursus for frivillige" in texts(calls)
    _, data = telegram.last_with_button("Jeg kommer")
    assert data == f"g:meetings:rsvp:{course}:y"
    calls = await telegram.press_data(data)
    assert "du er tilmeldt <b>Førstehjælp for frivillige</b>" in texts(calls)
    assert "forening" not in texts(calls)  # signed up as a person
    assert "Her er arrangementet til din kalender" in texts(calls)
    assert "mødet" not in texts(calls)
    assert len(documents(calls)) == 1
    assert documents(calls)[0].text == "Åbn filen for at lægge arrangementet i din kalender."


async def test_staff_change_and_cancel_a_course_as_an_event(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
) -> None:
    clock.set(NOW)
    make_staff(conversation)  # publishes the party
    make_staff(conversation, telegram_id=7006)
    publish_event(conversation, kind="fest", audience="volunteers", title="Frivillighedsfesten")
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7006, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    calls = await staff.press("Frivillighedsfesten")
    labels = [label for c in calls for label, _ in c.buttons]
    assert {"✏️ Ændr arrangementet", "❌ Aflys arrangementet"} <= set(labels)
    calls = await staff.press("Aflys arrangementet")
    assert "Nej, behold arrangementet" in [label for c in calls for label, _ in c.buttons]
    calls = await staff.press("Ja, aflys")
    assert "Arrangementet er aflyst" in texts(calls)
