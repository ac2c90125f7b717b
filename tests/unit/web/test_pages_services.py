"""The services behind the dashboard's Møder, Udsendelser, Foreninger pages and interest charts:
what they count, in which zone, and that they refuse anyone who is not staff there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.delivery.models import Broadcast
from bot.delivery.report import broadcast_of, broadcasts_of
from bot.grants.by_association import figures_by_applicant, fold
from bot.matching.figures import interest_figures
from bot.matching.models import Association, Interest, Opportunity
from bot.meetings import service
from bot.meetings.models import Rsvp
from bot.staff.access import NotStaffError
from bot.store.database import transaction
from bot.store.models import User
from bot.web.pages.meetings import read_form
from tests.unit.meetings.conftest import NOW, STAFF_ID, add_citizens, make_staff, publish
from tests.unit.web.seed import add_applications

ZONE = "Europe/Copenhagen"


def _answer(
    conversation: Conversation, meeting_id: int, telegram_id: int, answer: str, at: datetime
) -> None:
    with transaction(conversation.services.db) as session:
        user = session.query(User).filter_by(telegram_id=telegram_id).one()
        session.add(
            Rsvp(meeting_id=meeting_id, user_id=user.id, answer=answer,
                 seat="confirmed" if answer == "yes" else None, seat_at=at, answered_at=at)
        )  # fmt: skip


def test_rsvp_over_time_counts_running_totals_by_local_day(conversation: Conversation) -> None:
    make_staff(conversation)
    add_citizens(conversation, range(100, 104))
    meeting_id = publish(conversation)
    # 23.30 UTC on 1 February is 00.30 on 2 February in Copenhagen: the second day.
    _answer(conversation, meeting_id, 100, "yes", datetime(2027, 2, 1, 10, 0, tzinfo=UTC))
    _answer(conversation, meeting_id, 101, "no", datetime(2027, 2, 1, 23, 30, tzinfo=UTC))
    _answer(conversation, meeting_id, 102, "yes", datetime(2027, 2, 2, 9, 0, tzinfo=UTC))
    _answer(conversation, meeting_id, 103, "maybe", datetime(2027, 2, 5, 9, 0, tzinfo=UTC))
    with transaction(conversation.services.db) as session:
        timeline = service.rsvp_timeline(session, STAFF_ID, meeting_id)
        answers = service.answers(session, STAFF_ID, meeting_id)
        with pytest.raises(NotStaffError):
            service.rsvp_timeline(session, 4242, meeting_id)
    assert [(d.isoformat(), y, m, n) for d, y, m, n in timeline] == [
        ("2027-02-01", 1, 0, 0),
        ("2027-02-02", 2, 0, 1),
        ("2027-02-05", 2, 1, 1),
    ]
    assert sorted(a.status for a in answers) == ["confirmed", "confirmed", "maybe", "no"]


def test_a_meeting_list_is_only_the_municipalitys_own(conversation: Conversation) -> None:
    make_staff(conversation)
    make_staff(conversation, slug="tonder")
    publish(conversation)
    publish(conversation, slug="tonder", key="draft-2")
    with transaction(conversation.services.db) as session:
        own = service.meetings_of(session, STAFF_ID, "sonderborg")
        with pytest.raises(NotStaffError):
            service.meetings_of(session, 4242, "sonderborg")
    assert own and {m.municipality_slug for m in own} == {"sonderborg"}


def _opportunity(session, slug: str, key: str, town: str, area_mask: int) -> Opportunity:  # type: ignore[no-untyped-def]
    association = session.query(Association).filter_by(key=f"a-{slug}").one_or_none()
    if association is None:
        association = Association(key=f"a-{slug}", municipality_slug=slug, name=f"Forening {slug}")
        session.add(association)
        session.flush()
    opportunity = Opportunity(
        key=key, association_id=association.id, municipality_slug=slug, title=key, town=town,
        latitude=55.0, longitude=9.8, area_mask=area_mask,
    )  # fmt: skip
    session.add(opportunity)
    session.flush()
    return opportunity


def test_interests_are_counted_per_area_and_town_over_twelve_months(
    conversation: Conversation,
) -> None:
    make_staff(conversation)
    add_citizens(conversation, range(200, 205))
    add_citizens(conversation, range(300, 301), slug="tonder")
    with transaction(conversation.services.db) as session:
        users = {u.telegram_id: u.id for u in session.query(User)}
        both = _opportunity(session, "sonderborg", "o1", "Nordborg", 0b11)  # elderly, children
        one = _opportunity(session, "sonderborg", "o2", "Gråsten", 0b1)  # elderly
        foreign = _opportunity(session, "tonder", "o3", "Tønder", 0b1)
        for telegram_id, opportunity, days in (
            (200, both, 10), (201, both, 100), (202, one, 300),
            (203, one, 400),  # older than a year: left out
            (300, foreign, 5),  # another municipality: left out
        ):  # fmt: skip
            session.add(
                Interest(user_id=users[telegram_id], opportunity_id=opportunity.id,
                         created_at=NOW - timedelta(days=days))
            )  # fmt: skip
    with transaction(conversation.services.db) as session:
        found = interest_figures(session, STAFF_ID, "sonderborg", NOW)
        with pytest.raises(NotStaffError):
            interest_figures(session, 4242, "sonderborg", NOW)
    assert found.total == 3
    assert found.by_area == [("elderly", 3), ("children", 2)]
    assert found.by_town == [("Nordborg", 2), ("Gråsten", 1)]


def test_broadcasts_carry_live_tallies_and_stay_in_their_municipality(
    conversation: Conversation,
) -> None:
    make_staff(conversation)
    make_staff(conversation, slug="tonder")
    add_citizens(conversation, range(400, 403))
    publish(conversation)
    foreign_id = publish(conversation, slug="tonder", key="draft-2")
    with transaction(conversation.services.db) as session:
        [row] = broadcasts_of(session, STAFF_ID, "sonderborg")
        foreign = session.scalars(
            select(Broadcast).where(Broadcast.key == f"meeting:{foreign_id}:invite")
        ).one()
        assert broadcast_of(session, STAFF_ID, "sonderborg", foreign.id) is None
    assert (row.tally.total, row.tally.pending, row.tally.delivered) == (3, 3, 0)


def test_applications_are_matched_to_associations_by_folded_name(
    conversation: Conversation,
) -> None:
    services = conversation.services
    make_staff(conversation)
    add_applications(services, 2, applicant=None)
    with transaction(services.db) as session:
        figures = figures_by_applicant(session, STAFF_ID, "sonderborg")
    assert figures[fold("FORENING  nr. 1")].applications == 1
    assert figures[fold("Forening nr. 2")].applied == 1_020_000


def test_the_web_form_reads_a_meeting_by_the_wizards_rules() -> None:
    base = {
        "kind": "kursus",
        "title": "Kursus i førstehjælp",
        "starts_at": "15.03.2027 17:00",
        "ends_at": "20.00",
        "place": "Frivillighuset",
        "address": "Perlegade 50, 6400 Sønderborg",
        "per_association": "3",  # a course has no limit per association: ignored
    }
    form = read_form(base, ZONE, NOW, "da")
    assert not form.errors
    assert form.values["starts_at"] == datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    assert form.values["ends_at"] == datetime(2027, 3, 15, 19, 0, tzinfo=UTC)
    # No deadline typed: a week before at 23.59, as the wizard offers.
    assert form.values["rsvp_deadline"] == datetime(2027, 3, 8, 22, 59, tzinfo=UTC)
    assert form.values["per_association"] is None and form.values["capacity"] is None
    assert form.values["audience"] == "volunteers"  # the kind's default

    late = read_form({**base, "rsvp_deadline": "16.03.2027"}, ZONE, NOW, "da")
    assert set(late.errors) == {"rsvp_deadline"}
    early = read_form({**base, "ends_at": "16.00"}, ZONE, NOW, "da")
    assert set(early.errors) == {"ends_at"}
    past = read_form({**base, "starts_at": "01.01.2027 10:00"}, ZONE, NOW, "da")
    assert "starts_at" in past.errors
    odd = read_form({**base, "kind": "fodbold", "audience": "alle"}, ZONE, NOW, "da")
    assert set(odd.errors) == {"kind", "audience"}
    # 2.30 on the last Sunday of March does not exist in Copenhagen: asked about, not moved.
    gap = read_form({**base, "starts_at": "28.03.2027 02:30"}, ZONE, NOW, "da")
    assert not gap.errors and "starts_at" not in gap.values
    assert "sommertid" in gap.questions["starts_at"]["text"]
