"""Overblik: the rounds in numbers and as a server-side SVG chart, for staff of that
municipality only; no chart where there is nothing to draw; a chart drawn once per set of
numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.testclient import TestClient

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.grants.models import Status
from bot.web import charts
from bot.web.app import build_web_app
from tests.fakes.clock import FakeClock
from tests.unit.meetings.conftest import make_staff, publish
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
