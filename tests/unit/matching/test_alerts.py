"""The daily digest with a frozen clock: new matches once a day, nothing twice, unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.matching import alerts
from bot.matching.models import Association, Opportunity, SavedSearch
from bot.matching.scoring import Query
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from scheduler import runtime
from scheduler.jobs.matching_alerts import JOB_ID, register_matching_jobs, send_matching_alerts
from tests.fakes.chat import ChatDriver, text_of
from tests.fakes.clock import FakeClock
from tests.unit.matching.conftest import NOW


def _add_opportunity(
    services: Services, key: str, title: str, created_days_after: float, area_mask: int = 1
) -> int:
    with transaction(services.db) as session:
        association = session.scalars(
            select(Association).where(Association.municipality_slug == "sonderborg")
        ).first()
        assert association is not None
        row = Opportunity(
            key=key,
            association_id=association.id,
            municipality_slug="sonderborg",
            title=title,
            description="Kaffe og en snak med en ældre nabo.",
            town="Nordborg",
            latitude=55.0578,
            longitude=9.7470,
            area_mask=area_mask,  # 1: elderly
            activity_mask=1,
            availability_mask=0b111111,
            created_at=NOW + timedelta(days=created_days_after),
        )
        session.add(row)
        session.flush()
        return row.id


async def _save_search(chat: ChatDriver) -> None:
    await chat.send("/volunteer")
    await chat.press("Ældre")
    await chat.press("Når som helst")
    await chat.press("Nordborg")
    await chat.press("Giv mig besked om nye opslag")


@dataclass(frozen=True)
class Digest:
    chat_id: int
    text: str
    buttons: list[list[dict[str, str]]]


def _digests(services: Services) -> list[Digest]:
    with services.db.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("alert:%"))
            .order_by(OutboxMessage.id)
        )
        return [Digest(r.chat_id, r.text, r.buttons) for r in rows]


@pytest.fixture
def installed(services: Services) -> Services:
    runtime.install(services)
    return services


async def test_one_digest_a_day_with_only_new_matches(
    onboarded_chat: ChatDriver, installed: Services, clock: FakeClock
) -> None:
    await _save_search(onboarded_chat)
    clock.set(NOW + timedelta(hours=5))
    assert send_matching_alerts("Europe/Copenhagen") == 0  # nothing new yet: no empty digest
    _add_opportunity(installed, "alert-new-1", "Kaffeven i Nordborg", created_days_after=0.1)
    _add_opportunity(installed, "alert-other", "Lektiecafé", created_days_after=0.1, area_mask=2)
    assert send_matching_alerts("Europe/Copenhagen") == 1
    assert send_matching_alerts("Europe/Copenhagen") == 0  # a second run the same day sends nothing
    [digest] = _digests(installed)
    assert digest.chat_id == onboarded_chat.user_id
    assert "Kaffeven i Nordborg" in digest.text
    assert "<b>1 nyt frivilligopslag til dig</b>" in digest.text  # not "1 nye"
    payloads = [b["payload"] for row in digest.buttons for b in row]
    assert any(p.startswith("g:volunteer:unsub:") for p in payloads)
    clock.set(NOW + timedelta(days=1, hours=5))
    assert (
        send_matching_alerts("Europe/Copenhagen") == 0
    )  # the next day: nothing newer than the last digest
    _add_opportunity(installed, "alert-new-2", "Gåtur med ældre", created_days_after=1.1)
    assert send_matching_alerts("Europe/Copenhagen") == 1
    assert "Gåtur med ældre" in _digests(installed)[-1].text
    assert "Kaffeven" not in _digests(installed)[-1].text


async def test_a_day_is_a_day_on_the_users_wall_clock(
    onboarded_chat: ChatDriver, installed: Services, clock: FakeClock
) -> None:
    """»Once a day« counts Copenhagen's days, not UTC's: a digest sent late on the 23rd (23.30 in
    Copenhagen) does not keep the 24th's digest back, although both runs fall on 23 November UTC."""
    await _save_search(onboarded_chat)
    _add_opportunity(installed, "late-1", "Kaffeven i Nordborg", created_days_after=0.1)
    clock.set(NOW.replace(hour=22, minute=30))  # 23.30 on 23 November in Copenhagen
    assert send_matching_alerts("Europe/Copenhagen") == 1
    _add_opportunity(installed, "late-2", "Gåtur med ældre", created_days_after=0.45)
    clock.set(NOW.replace(hour=23, minute=30))  # 00.30 on 24 November in Copenhagen
    assert send_matching_alerts("Europe/Copenhagen") == 1
    assert "Gåtur med ældre" in _digests(installed)[-1].text
    clock.set(NOW.replace(hour=23, minute=50))
    assert send_matching_alerts("Europe/Copenhagen") == 0  # the 24th has had its digest


async def test_unsubscribe_from_the_digest_button(
    onboarded_chat: ChatDriver, installed: Services, conversation: Conversation, clock: FakeClock
) -> None:
    await _save_search(onboarded_chat)
    _add_opportunity(installed, "alert-new-3", "Kaffeven i Nordborg", created_days_after=0.1)
    clock.set(NOW + timedelta(hours=5))
    send_matching_alerts("Europe/Copenhagen")
    [digest] = _digests(installed)
    unsub = next(b["payload"] for row in digest.buttons for b in row if "unsub" in b["payload"])
    replies = await onboarded_chat.press_payload(unsub)
    assert "ikke flere beskeder" in text_of(replies)
    more = next(b["payload"] for row in digest.buttons for b in row if ":more:" in b["payload"])
    replies = await onboarded_chat.press_payload(more)
    assert "Kaffeven i Nordborg" in text_of(replies)  # the digest's own buttons work
    with installed.db.unit_of_work() as uow:
        assert uow.session.scalars(select(SavedSearch.active)).all() == [False]
    clock.set(NOW + timedelta(days=1, hours=5))
    _add_opportunity(installed, "alert-new-4", "Endnu en", created_days_after=1.1)
    assert send_matching_alerts("Europe/Copenhagen") == 0


async def test_no_digest_without_consent(
    onboarded_chat: ChatDriver, installed: Services, clock: FakeClock
) -> None:
    await _save_search(onboarded_chat)
    with transaction(installed.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == onboarded_chat.user_id)).one()
        user.consent_notices = False
    _add_opportunity(installed, "alert-new-5", "Kaffeven", created_days_after=0.1)
    clock.set(NOW + timedelta(hours=5))
    assert send_matching_alerts("Europe/Copenhagen") == 0


async def test_the_job_is_registered_once_per_zone_and_durably(installed: Services) -> None:
    from scheduler.setup import build_scheduler

    scheduler = build_scheduler(installed)
    scheduler.start(paused=True)
    try:
        register_matching_jobs(scheduler)
        register_matching_jobs(scheduler)  # every start-up replaces, never duplicates
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {f"{JOB_ID}@Europe/Copenhagen", f"{JOB_ID}@America/Nuuk"}
    assert all(job.func is send_matching_alerts for job in jobs.values())


async def test_a_paused_search_gets_no_digest_until_it_is_resumed(
    onboarded_chat: ChatDriver, installed: Services, clock: FakeClock
) -> None:
    await _save_search(onboarded_chat)
    replies = await onboarded_chat.press("Mine søgeagenter")
    assert "1. Ældre, Nordborg – aktiv" in text_of(replies)
    await onboarded_chat.press("Sæt nr. 1 på pause")
    _add_opportunity(installed, "alert-paused", "Kaffeven i Nordborg", created_days_after=0.1)
    clock.set(NOW + timedelta(hours=5))
    assert send_matching_alerts("Europe/Copenhagen") == 0
    replies = await onboarded_chat.press("Genoptag nr. 1")
    assert "1. Ældre, Nordborg – aktiv" in text_of(replies)
    assert send_matching_alerts("Europe/Copenhagen") == 1
    # What came in during the pause is in the first digest after it, with the way to the list.
    [digest] = _digests(installed)
    assert "Kaffeven i Nordborg" in digest.text
    payloads = [b["payload"] for row in digest.buttons for b in row]
    assert "g:volunteer:alerts" in payloads


def test_saved_searches_are_only_their_owners_and_saving_a_paused_one_resumes_it(
    session: Session,
) -> None:
    owner = User(telegram_id=9001, language="da", municipality_slug="sonderborg")
    other = User(telegram_id=9002, language="da", municipality_slug="sonderborg")
    session.add_all([owner, other])
    session.flush()
    query = Query("sonderborg", areas=("elderly",))
    saved, created = alerts.save_search(session, owner, query, NOW)
    assert created
    assert alerts.set_active(session, other, saved.id, False) is None  # not theirs
    assert alerts.delete_search(session, other, saved.id) is False
    assert saved.active
    assert alerts.set_active(session, owner, saved.id, False) is saved and not saved.active
    again, created = alerts.save_search(session, owner, query, NOW)
    assert again is saved and created and saved.active  # resumed, not a twin
    assert [s.id for s in alerts.my_searches(session, owner)] == [saved.id]
    assert alerts.my_searches(session, other) == []
    assert alerts.delete_search(session, owner, saved.id) is True
    assert alerts.my_searches(session, owner) == []
    assert alerts.delete_search(session, owner, saved.id) is False
