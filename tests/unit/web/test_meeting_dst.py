"""The dashboard's meeting forms at a daylight-saving change (Europe/Copenhagen), through HTTP:
a time in the spring-forward gap offers the shifted time, one in October's repeated hour asks
»kl. 02.30 sommertid / vintertid«, with the chat's parser and `AmbiguousTime`; and a moved
start moves the end with it, as in chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.core.services import Services
from bot.meetings import service
from bot.meetings.models import Meeting
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.web.app import build_web_app
from tests.fakes.clock import FakeClock
from tests.unit.web.seed import STAFF_ID, add_staff
from tests.unit.web.test_dashboard import login

NEW = "/staff/sonderborg/meetings/new"
MOVED = "Dialogmøde, der flyttes"
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
#: 28 March 2027: 2.00 becomes 3.00 (+01 → +02). 31 October 2027: 3.00 becomes 2.00 again.
GAP_SHIFTED = "2027-03-28T01:30:00+00:00"  # 3.30 summer time, what 2.30 "means" an hour on
FOLD_SUMMER = "2027-10-31T00:30:00+00:00"  # the first 2.30 (+02)
FOLD_WINTER = "2027-10-31T01:30:00+00:00"  # the second 2.30 (+01)


@pytest.fixture
def client(services: Services, clock: FakeClock) -> Iterator[TestClient]:
    clock.set(NOW)
    add_staff(services)
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrftoken": csrf,
        "draft_key": "web-" + "0" * 32,
        "kind": "dialogmode",
        "title": "Nattecafé for frivillige",
        "place": "Frivillighuset",
        "address": "Perlegade 50, 6400 Sønderborg",
        "agenda": "-",
        "capacity": "",
        "rsvp_deadline": "",
        "audience": "citizens",
        **fields,
    }


def _options(html: str, field: str) -> dict[str, str]:
    """The offered instants of a field's DST question: value → label."""
    found = re.findall(rf'name="{field}_instant" value="([^"]+)" id="[^"]+"> ([^<]+)</label>', html)
    return {value: label.strip() for value, label in found}


def _meeting(services: Services, title: str = "Nattecafé for frivillige") -> Meeting:
    with transaction(services.db) as session:
        meeting = session.scalars(select(Meeting).where(Meeting.title == title)).one()
        session.expunge(meeting)
        return meeting


def test_a_start_in_the_spring_gap_offers_the_shifted_time(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    typed = _form(csrf, starts_at="28.03.2027 02:30", ends_at="05:00")
    asked = client.post(NEW, data=typed)
    assert asked.status_code == 200
    assert "Klokken 02.30 findes ikke" in asked.text and "28/3-2027 kl. 03.30" in asked.text
    assert _options(asked.text, "starts_at") == {GAP_SHIFTED: "Ja, 28/3-2027 kl. 03.30"}
    assert "meeting-form" in asked.text and 'id="invitation"' not in asked.text

    # An instant that is not one of the choices of this text is asked about again.
    forged = client.post(NEW, data={**typed, "starts_at_instant": "2027-03-28T00:00:00+00:00"})
    assert _options(forged.text, "starts_at") == {GAP_SHIFTED: "Ja, 28/3-2027 kl. 03.30"}

    chosen = {**typed, "starts_at_instant": GAP_SHIFTED}
    preview = client.post(NEW, data=chosen)
    assert 'id="invitation"' in preview.text and "kl. 03.30" in preview.text
    assert 'name="starts_at_instant" value="2027-03-28T01:30:00+00:00"' in preview.text
    sent = client.post(NEW, data={**chosen, "confirm": "1"}, follow_redirects=False)
    assert sent.status_code == 303
    meeting = _meeting(services)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2027, 3, 28, 3, 0, tzinfo=UTC)


def test_a_start_in_octobers_repeated_hour_asks_summer_or_winter_time(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    typed = _form(csrf, starts_at="31.10.2027 02:30", ends_at="05:00")
    asked = client.post(NEW, data=typed)
    assert "uret tilbage fra kl. 03.00 til kl. 02.00" in asked.text
    assert _options(asked.text, "starts_at") == {
        FOLD_SUMMER: "kl. 02.30 sommertid (første gang, før uret stilles tilbage)",
        FOLD_WINTER: "kl. 02.30 vintertid (anden gang, en time senere)",
    }
    # The choice is kept when the form comes back with an error in another field.
    wrong = client.post(NEW, data={**typed, "starts_at_instant": FOLD_WINTER, "place": "x"})
    assert wrong.status_code == 400 and 'id="error-place"' in wrong.text
    assert f'name="starts_at_instant" value="{FOLD_WINTER}"' in wrong.text
    assert 'id="dst-starts_at"' not in wrong.text

    chosen = {**typed, "starts_at_instant": FOLD_WINTER}
    sent = client.post(NEW, data={**chosen, "confirm": "1"}, follow_redirects=False)
    assert sent.status_code == 303
    meeting = _meeting(services)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 4, 0, tzinfo=UTC)


def _publish(services: Services) -> int:
    starts = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)  # 17.00 in Copenhagen
    with transaction(services.db) as session:
        meeting, _, _ = service.publish_meeting(
            session,
            STAFF_ID,
            service.Draft(
                key="d-1", municipality="sonderborg", title=MOVED,
                starts_at=starts, ends_at=starts + timedelta(hours=3), place="Frivillighuset",
                address="Perlegade 50, 6400 Sønderborg", agenda="", capacity=None,
                per_association=None, rsvp_deadline=starts - timedelta(days=7),
                audience="citizens", questions_enabled=False,
            ),
            NOW,
            channel=Channel.CHAT,
        )  # fmt: skip
        return meeting.id


def test_moving_a_meetings_start_on_the_web_moves_its_end_and_asks_at_a_dst_change(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    meeting_id = _publish(services)
    url = f"/staff/sonderborg/meetings/{meeting_id}/edit"
    form = client.get(url)
    assert "sluttidspunktet med" in form.text
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
        for name in ("title", "starts_at", "ends_at", "place", "address")
    }
    assert fields["ends_at"] == "15.03.2027 20:00"
    # Only the start changed: the end follows, the meeting still lasts three hours.
    moved = client.post(
        url, data={**fields, "agenda": "", "starts_at": "16.03.2027 18:00", "csrftoken": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert moved.status_code == 303 and "/broadcasts/" in moved.headers["location"]
    meeting = _meeting(services, MOVED)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 16, 17, 0, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2027, 3, 16, 20, 0, tzinfo=UTC)

    # Into October's repeated hour: asked, then the first 2.30 with the end three hours on.
    fields = {**fields, "starts_at": "16.03.2027 18:00", "ends_at": "16.03.2027 21:00"}
    unclear = {**fields, "agenda": "", "starts_at": "31.10.2027 02:30", "csrftoken": csrf}
    asked = client.post(url, data=unclear)
    assert asked.status_code == 200 and 'id="form-questions"' in asked.text
    assert set(_options(asked.text, "starts_at")) == {FOLD_SUMMER, FOLD_WINTER}
    assert _meeting(services, MOVED).starts_at.month == 3  # nothing changed yet
    done = client.post(
        url, data={**unclear, "starts_at_instant": FOLD_SUMMER}, follow_redirects=False
    )
    assert done.status_code == 303
    meeting = _meeting(services, MOVED)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2027, 10, 31, 3, 30, tzinfo=UTC)
