"""Overblik: the rounds in numbers and as a server-side SVG chart, for staff of that
municipality only; no chart where there is nothing to draw; a chart drawn once per set of
numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.grants.models import Status
from bot.web import charts
from bot.web.app import build_web_app
from tests.fakes.clock import FakeClock
from tests.unit.meetings.conftest import NOW as MEETINGS_NOW
from tests.unit.meetings.conftest import add_citizens, make_staff, publish
from tests.unit.web.seed import add_applications, add_staff
from tests.unit.web.test_dashboard import _csrf, login


def test_the_overview_counts_the_round_and_draws_it(services: Services, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=UTC))
    add_staff(services)
    add_applications(services, 3)
    add_applications(services, 2, status=Status.APPROVED, applicant=None, start=4)
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        page = client.get("/staff/sonderborg/overview")
        assert "Runde 2027: 9 dage til ansøgningsfristen." in page.text
        rounds = re.search(r'<table class="list" id="rounds">(.*?)</table>', page.text, re.S)
        assert rounds is not None
        cells = re.findall(r"<td[^>]*>(.*?)</td>", rounds.group(1))
        # 5 applications; 10.100 + 10.200 + … + 10.500 kr. applied for; nothing granted in seed.
        assert cells[1:4] == ["5", "51.500 kr.", "0 kr."]
        chart = client.get("/staff/sonderborg/overview/rounds.svg")
        assert chart.headers["content-type"] == "image/svg+xml"
        assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
        assert b"<script" not in chart.content
        assert client.get("/staff/tonder/overview").status_code == 404
        assert client.get("/staff/tonder/overview/rounds.svg").status_code == 404


def test_days_to_the_deadline_count_the_municipalitys_calendar(
    services: Services, clock: FakeClock
) -> None:
    """23:30 UTC on 19 February is already the 20th in Sønderborg: 9 days to the deadline, as on
    the 20th at noon (a UTC calendar would still say 10)."""
    clock.set(datetime(2027, 2, 19, 23, 30, tzinfo=UTC))
    add_staff(services)
    add_applications(services, 1)
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        page = client.get("/staff/sonderborg/overview")
        assert "Runde 2027: 9 dage til ansøgningsfristen." in page.text


def _chart_url(page: str) -> str:
    found = re.search(r'<img src="([^"]+)"[^>]*id="rounds-chart"', page)
    assert found is not None and "?v=" in found.group(1)
    return found.group(1)


def test_an_overview_without_data_says_so_instead_of_drawing_empty_charts(
    conversation: Conversation,
) -> None:
    services = conversation.services
    make_staff(conversation)
    meeting_id = publish(conversation)  # invited nobody yet, so nobody has answered
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        page = client.get("/staff/sonderborg/overview").text
        assert "Ingen ansøgninger endnu." in page
        assert "Ingen har meldt sig interesseret endnu." in page
        # No chart of nothing (an empty axis from -0.04 to 0.04), no empty tables.
        assert "<img" not in page and 'id="rounds"' not in page and 'id="by-status"' not in page
        for chart in ("rounds", "interests-areas", "interests-towns"):
            assert client.get(f"/staff/sonderborg/overview/{chart}.svg").status_code == 404
        meeting = client.get(f"/staff/sonderborg/meetings/{meeting_id}").text
        assert "Ingen har svaret endnu." in meeting and 'id="rsvp-chart"' not in meeting
        assert client.get(f"/staff/sonderborg/meetings/{meeting_id}/rsvp.svg").status_code == 404
        client.post("/staff/language/en", data={"csrftoken": _csrf(page), "next": "/staff/"})
        assert "No applications yet." in client.get("/staff/sonderborg/overview").text


def test_a_chart_is_drawn_once_for_the_same_numbers_and_again_when_they_change(
    services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=UTC))
    add_staff(services)
    add_applications(services, 2)
    charts.clear_cache()
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        first = client.get("/staff/sonderborg/overview/rounds.svg").content
        drawn = charts.cached_charts()
        assert client.get("/staff/sonderborg/overview/rounds.svg").content == first
        assert charts.cached_charts() == drawn  # served from the cache, not drawn again
        # The page links the chart by a digest of its numbers: the browser may keep it.
        linked = _chart_url(client.get("/staff/sonderborg/overview").text)
        answer = client.get(linked)
        assert answer.content == first and charts.cached_charts() == drawn
        assert answer.headers["cache-control"] == "private, max-age=86400"
        add_applications(services, 1, start=3)  # 10.300 kr. more applied for
        changed = client.get("/staff/sonderborg/overview/rounds.svg").content
        assert changed != first and charts.cached_charts() == drawn + 1
        relinked = _chart_url(client.get("/staff/sonderborg/overview").text)
        assert relinked != linked and client.get(relinked).content == changed
        # The language is part of what is drawn: the English chart is its own.
        page = client.get("/staff/sonderborg/overview").text
        client.post("/staff/language/en", data={"csrftoken": _csrf(page), "next": "/staff/"})
        english = client.get("/staff/sonderborg/overview/rounds.svg").content
        assert b"Applied for" in english and b"Applied for" not in changed


def test_the_overview_lists_the_next_meetings_and_the_newest_broadcasts(
    conversation: Conversation, clock: FakeClock
) -> None:
    """Overblik (issue 13): upcoming meetings with their counts and recent send-outs with their
    tallies; a cancelled or past meeting is not »upcoming«."""
    services = conversation.services
    make_staff(conversation)
    add_citizens(conversation, range(500, 503))
    clock.set(MEETINGS_NOW)
    soon = publish(conversation, key="soon", starts=MEETINGS_NOW + timedelta(days=3))
    later = publish(conversation, key="later", starts=MEETINGS_NOW + timedelta(days=40))
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        page = client.get("/staff/sonderborg/overview").text
        upcoming = re.search(r'<table class="list" id="upcoming">(.*?)</table>', page, re.S)
        assert upcoming is not None
        links = re.findall(r'href="/staff/sonderborg/meetings/(\d+)"', upcoming.group(1))
        assert links[:2] == [str(soon), str(later)]  # soonest first (then the seeded ones)
        sent = re.search(r'<table class="list" id="recent-broadcasts">(.*?)</table>', page, re.S)
        assert sent is not None
        totals = re.findall(r'<td class="number">(\d+)</td>', sent.group(1))
        assert totals[0] == "3"  # each invitation went to the three citizens
        clock.set(MEETINGS_NOW + timedelta(days=10))  # the first meeting is over
        page = client.get("/staff/sonderborg/overview").text
        upcoming = re.search(r'<table class="list" id="upcoming">(.*?)</table>', page, re.S)
        assert upcoming is not None
        assert re.findall(r'meetings/(\d+)"', upcoming.group(1))[:1] == [str(later)]


def test_an_overview_without_meetings_or_broadcasts_says_so(
    services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2028, 1, 10, 12, 0, tzinfo=UTC))  # after every seeded meeting
    add_staff(services)
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        login(client, services)
        page = client.get("/staff/sonderborg/overview").text
        assert "Der er ingen kommende møder eller arrangementer." in page
        assert "Der er ikke sendt noget ud endnu." in page
        assert 'id="upcoming"' not in page and 'id="recent-broadcasts"' not in page
