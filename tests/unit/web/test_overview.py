"""Overblik: the rounds in numbers and as a server-side SVG chart, for staff of that
municipality only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.testclient import TestClient

from bot.core.services import Services
from bot.grants.models import Status
from bot.web.app import build_web_app
from tests.fakes.clock import FakeClock
from tests.unit.web.seed import add_applications, add_staff
from tests.unit.web.test_dashboard import login


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
        assert cells[1:4] == ["5", "51.500,00 kr.", "0,00 kr."]
        chart = client.get("/staff/sonderborg/overview/rounds.svg")
        assert chart.headers["content-type"] == "image/svg+xml"
        assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
        assert b"<script" not in chart.content
        assert client.get("/staff/tonder/overview").status_code == 404
        assert client.get("/staff/tonder/overview/rounds.svg").status_code == 404
