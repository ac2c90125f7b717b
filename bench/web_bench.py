"""The staff dashboard, server-side: one page of a 5,000-application round, the median of
repeated requests through the ASGI app.

Prints `web_applications_list_p50_ms` (target ≤ 50). The overview's figure, with the 100,000
interests issue 13 asks for, is `bench/web_pages_bench.py`'s `web_overview_p50_ms`.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bot.app import build_services, prepare_database
from bot.config import PROJECT_ROOT, Settings
from bot.core.services import Services
from bot.store.database import transaction
from bot.web.app import build_web_app
from bot.web.auth import create_login_link
from tests.unit.web.seed import STAFF_ID, add_applications, add_staff

APPLICATIONS = 5_000
ROUNDS = 30


def median_ms(client: TestClient, url: str, rounds: int = ROUNDS) -> float:
    client.get(url)  # warm: templates compiled, caches filled
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.status_code
    return statistics.median(times)


def seeded_services(prefix: str, applications: int) -> Services:
    """Services on a new SQLite file in a temporary folder named `prefix`…, with the seed data, one
    staff member of Sønderborg and `applications` applications there."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token="1:BENCH",
        database_url=f"sqlite:///{folder / 'bench.db'}",
        data_dir=PROJECT_ROOT / "data",
    )
    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory)
    add_staff(services)
    add_applications(services, applications)
    return services


def main() -> int:
    services = seeded_services("web-bench-", APPLICATIONS)
    with transaction(services.db) as session:
        token = create_login_link(session, STAFF_ID, services.clock())
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        page = client.get(f"/staff/login/{token}")
        csrf = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert csrf is not None
        client.post(f"/staff/login/{token}", data={"csrftoken": csrf.group(1)})
        listing = median_ms(client, "/staff/sonderborg/applications?page=100&sort=-amount")
    print(f"web_applications_list_p50_ms={listing:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
