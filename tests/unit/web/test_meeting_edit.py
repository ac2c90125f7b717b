"""Editing a meeting on the web: a start moved to or before the registration deadline is said
before it is saved, as the chat says it (»tilmeldingen lukker, når mødet begynder«)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.core.services import Services
from bot.delivery.models import Broadcast
from bot.store.database import transaction
from tests.unit.web.seed import add_staff
from tests.unit.web.test_dashboard import login
from tests.unit.web.test_meeting_dst import MOVED, _meeting, _publish, client  # noqa: F401


def _broadcasts(services: Services) -> int:
    with transaction(services.db) as session:
        return len(session.scalars(select(Broadcast)).all())


def test_a_start_moved_past_the_deadline_is_said_before_it_is_saved(
    client: TestClient,  # noqa: F811
    services: Services,
) -> None:
    csrf = login(client, services)
    meeting_id = _publish(services)  # 15 March 17.00, registration until 8 March
    url = f"/staff/sonderborg/meetings/{meeting_id}/edit"
    form = client.get(url)
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
        for name in ("title", "starts_at", "ends_at", "place", "address")
    }
    sent_before = _broadcasts(services)
    earlier = {**fields, "agenda": "", "starts_at": "05.03.2027 18:00", "csrftoken": csrf}
    said = client.post(url, data=earlier)
    assert said.status_code == 200
    assert "tilmeldingen lukker, når mødet begynder" in said.text
    assert 'name="deadline_seen" value="1"' in said.text
    assert 'value="05.03.2027 18:00"' in said.text  # what was typed is kept
    assert _meeting(services, MOVED).starts_at.day == 15  # nothing saved, nobody told
    assert _broadcasts(services) == sent_before
    saved = client.post(url, data={**earlier, "deadline_seen": "1"}, follow_redirects=False)
    assert saved.status_code == 303 and "/broadcasts/" in saved.headers["location"]
    starts = _meeting(services, MOVED).starts_at.replace(tzinfo=UTC)
    assert starts == datetime(2027, 3, 5, 17, 0, tzinfo=UTC)
    assert _broadcasts(services) == sent_before + 1


def test_the_new_meeting_form_names_the_zone_its_times_are_read_in(
    client: TestClient,  # noqa: F811
    services: Services,
) -> None:
    """»dansk tid« in Sønderborg, »grønlandsk tid« in Sermersooq, as the chat's questions say."""
    add_staff(services, slug="sermersooq")
    login(client, services)
    assert "(dansk tid)" in client.get("/staff/sonderborg/meetings/new").text
    greenland = client.get("/staff/sermersooq/meetings/new").text
    assert "(grønlandsk tid)" in greenland and "dansk tid" not in greenland


def test_a_greenland_meeting_a_week_after_the_clock_change_gets_its_deadline(
    client: TestClient,  # noqa: F811
    services: Services,
) -> None:
    """Sermersooq skips 23.00–23.59 on the last Saturday of March: a meeting on 3 April (a week
    later) with no deadline typed gets the end of 27 March, 22.59 local (00.59 UTC) — the form
    crashed on »23.59 that day«, a time that does not exist there."""
    add_staff(services, slug="sermersooq")
    csrf = login(client, services)
    form = {
        "csrftoken": csrf, "draft_key": "web-" + "1" * 32, "kind": "dialogmode",
        "title": "Dialogmøde i Nuuk", "place": "Katuaq", "address": "Imaneq 21, 3900 Nuuk",
        "agenda": "-", "capacity": "", "rsvp_deadline": "", "audience": "citizens",
        "starts_at": "03.04.2027 17:00", "ends_at": "19:00",
    }  # fmt: skip
    preview = client.post("/staff/sermersooq/meetings/new", data=form)
    assert preview.status_code == 200 and 'id="invitation"' in preview.text
    sent = client.post(
        "/staff/sermersooq/meetings/new", data={**form, "confirm": "1"}, follow_redirects=False
    )
    assert sent.status_code == 303
    deadline = _meeting(services, "Dialogmøde i Nuuk").rsvp_deadline.replace(tzinfo=UTC)
    assert deadline == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
