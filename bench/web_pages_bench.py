"""The dashboard's overview with its charts, server-side: 5,000 applications and 100,000
interests (1,000 citizens × 100 opportunities in Sønderborg), the page and its three charts as
one figure, the median of repeated requests through the ASGI app.

Prints `web_overview_p50_ms` (issue 13's target, ≤ 150: a visit when the charts' numbers have
not changed since they were last drawn), `web_overview_cold_ms` (a first visit: every chart
drawn, the median of a few with the chart cache emptied before each), each also as the process's
CPU time (`…_cpu_…`: what a visit costs, however busy the shared machine is), and
`web_meeting_p50_ms` (a meeting's page with 1,000 answers and its RSVP chart, warm).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from datetime import timedelta

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bench.web_bench import median_ms, seeded_services
from bot.matching.models import Association, Interest, Opportunity
from bot.meetings import service as meetings
from bot.meetings.models import Rsvp
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import User
from bot.web import charts
from bot.web.app import build_web_app
from bot.web.auth import create_login_link
from tests.unit.web.seed import STAFF_ID

CITIZENS = 1_000
ROUNDS = 15
#: First visits measured (each draws all three charts: about half a second).
COLD_ROUNDS = 5
OPPORTUNITIES = 100


def _median_ms(client: TestClient, url: str) -> float:
    """`bench.web_bench`'s measurement, with this page's fewer rounds (its charts are slow)."""
    return median_ms(client, url, rounds=ROUNDS)


def _visit_ms(client: TestClient, base: str) -> tuple[float, float]:
    """One visit of the overview and the three charts it links to, as a browser makes it:
    (wall-clock ms, this process's CPU ms). The CPU time is what a visit costs whatever else
    the (shared, busy) machine does."""
    wall, cpu = time.perf_counter(), time.process_time()
    page = client.get(f"{base}/overview")
    images = re.findall(r'<img src="([^"]+\.svg[^"]*)"', page.text)
    assert page.status_code == 200 and len(images) == 3, images
    for image in images:
        assert client.get(image).status_code == 200
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _overview_ms(client: TestClient, base: str, *, cold: bool) -> tuple[float, float]:
    """Medians (wall, CPU) of visits; `cold` empties the chart cache before each (a first
    visit), otherwise the charts' numbers are unchanged since the warm-up visit."""
    _visit_ms(client, base)  # templates compiled, the first charts drawn
    visits = []
    for _ in range(COLD_ROUNDS if cold else ROUNDS):
        if cold:
            charts.clear_cache()
        visits.append(_visit_ms(client, base))
    return (
        statistics.median(wall for wall, _ in visits),
        statistics.median(cpu for _, cpu in visits),
    )


def _seed(services) -> int:  # type: ignore[no-untyped-def]
    now = services.clock()
    with transaction(services.db) as session:
        association = Association(key="bench", municipality_slug="sonderborg", name="Bench")
        session.add(association)
        session.flush()
        towns = ("Sønderborg", "Nordborg", "Gråsten", "Augustenborg", "Broager")
        session.execute(
            insert(Opportunity),
            [
                {"key": f"bench-{n}", "association_id": association.id,
                 "municipality_slug": "sonderborg", "title": f"Opslag {n}",
                 "town": towns[n % len(towns)], "latitude": 54.9, "longitude": 9.8,
                 "area_mask": 1 << (n % 11) | 1 << ((n + 3) % 11), "status": "open",
                 "created_at": now, "updated_at": now}
                for n in range(OPPORTUNITIES)
            ],
        )  # fmt: skip
        session.execute(
            insert(User),
            [{"telegram_id": 10_000_000 + n, "language": "da", "municipality_slug": "sonderborg"}
             for n in range(CITIZENS)],
        )  # fmt: skip
        users = list(session.scalars(select(User.id).where(User.telegram_id >= 10_000_000)))
        opportunities = list(session.scalars(select(Opportunity.id)))
        rows = [
            {"user_id": u, "opportunity_id": o, "status": "active",
             "created_at": now - timedelta(days=(u * 7 + o) % 500), "updated_at": now}
            for u in users for o in opportunities
        ]  # fmt: skip
        for start in range(0, len(rows), 5_000):
            session.execute(insert(Interest), rows[start : start + 5_000])
        start_at = now + timedelta(days=30)
        draft = meetings.Draft(
            key="bench", municipality="sonderborg", title="Bench", starts_at=start_at,
            ends_at=start_at + timedelta(hours=2), place="Her", address="Der", agenda="",
            capacity=None, per_association=None, rsvp_deadline=start_at - timedelta(days=7),
            audience="citizens", questions_enabled=False,
        )  # fmt: skip
        meeting, _, _ = meetings.publish_meeting(session, STAFF_ID, draft, now, channel=Channel.WEB)
        session.execute(
            insert(Rsvp),
            [{"meeting_id": meeting.id, "user_id": u, "answer": "yes", "seat": "confirmed",
              "seat_at": now - timedelta(hours=u % 300),
              "answered_at": now - timedelta(hours=u % 300)}
             for u in users],
        )  # fmt: skip
        return meeting.id


def main() -> int:
    services = seeded_services("web-pages-bench-", 5_000)
    meeting_id = _seed(services)
    with transaction(services.db) as session:
        token = create_login_link(session, STAFF_ID, services.clock())
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        page = client.get(f"/staff/login/{token}")
        csrf = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert csrf is not None
        client.post(f"/staff/login/{token}", data={"csrftoken": csrf.group(1)})
        base = "/staff/sonderborg"
        cold, cold_cpu = _overview_ms(client, base, cold=True)
        warm, warm_cpu = _overview_ms(client, base, cold=False)
        meeting = sum(
            _median_ms(client, f"{base}/meetings/{meeting_id}{tail}") for tail in ("", "/rsvp.svg")
        )
    print(f"web_overview_p50_ms={warm:.1f}")
    print(f"web_overview_cpu_p50_ms={warm_cpu:.1f}")
    print(f"web_overview_cold_ms={cold:.1f}")
    print(f"web_overview_cold_cpu_ms={cold_cpu:.1f}")
    print(f"web_meeting_p50_ms={meeting:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
