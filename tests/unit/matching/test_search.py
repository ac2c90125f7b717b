"""Search on the seeded database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.matching.models import Opportunity
from bot.matching.scoring import Query
from bot.matching.search import PAGE_SIZE, find_visible, ranked, relaxations, search
from bot.matching.vocabulary import AREAS, mask
from tests.unit.matching.conftest import NOW


def test_default_search_is_the_municipality_and_pages_by_five(session: Session) -> None:
    page = search(session, Query("sonderborg"), NOW)
    assert len(page.hits) == PAGE_SIZE
    assert page.total >= 25
    assert {h.opportunity.municipality_slug for h in page.hits} == {"sonderborg"}
    second = search(session, Query("sonderborg"), NOW, page=1)
    assert not {h.opportunity.id for h in page.hits} & {h.opportunity.id for h in second.hits}


def test_area_filter_puts_exact_matches_first(session: Session) -> None:
    results = ranked(session, Query("jammerbugt", areas=("children",)), NOW)
    exact = [s.candidate.area_mask & mask(["children"], AREAS) != 0 for s in results]
    assert exact[0]
    assert exact == sorted(exact, reverse=True)  # every exact one before every related one


def test_closed_and_expired_opportunities_never_show(session: Session) -> None:
    closed = session.scalars(select(Opportunity).where(Opportunity.status == "closed")).first()
    assert closed is not None
    ids = {s.candidate.id for s in ranked(session, Query(closed.municipality_slug), NOW)}
    assert closed.id not in ids
    victim = session.scalars(
        select(Opportunity).where(Opportunity.id.in_(ids)).order_by(Opportunity.id)
    ).first()
    assert victim is not None
    victim.expires_at = NOW - timedelta(seconds=1)
    session.flush()
    assert victim.id not in {
        s.candidate.id for s in ranked(session, Query(victim.municipality_slug), NOW)
    }
    assert find_visible(session, victim.id, {victim.municipality_slug}, NOW) is None
    assert find_visible(session, closed.id, {closed.municipality_slug}, NOW) is None


def test_find_visible_refuses_other_municipalities(session: Session) -> None:
    tonder = ranked(session, Query("tonder"), NOW)[0].candidate.id
    assert find_visible(session, tonder, {"sonderborg"}, NOW) is None
    assert find_visible(session, tonder, {"tonder"}, NOW) is not None


def test_full_text_finds_words_no_filter_can(session: Session) -> None:
    results = search(session, Query("sonderborg", keywords="lektie"), NOW)
    assert results.total >= 1
    for hit in results.hits:
        text = (hit.opportunity.title + hit.opportunity.description).lower()
        assert "lektie" in text


def test_full_text_stays_in_sync_after_an_edit(session: Session) -> None:
    first = ranked(session, Query("solrod"), NOW)[0].candidate.id
    session.execute(
        update(Opportunity).where(Opportunity.id == first).values(title="Zebraklub for alle")
    )
    session.flush()
    hits = search(session, Query("solrod", keywords="zebraklub"), NOW).hits
    assert [h.opportunity.id for h in hits] == [first]


def test_town_filter_sorts_by_distance(session: Session) -> None:
    query = Query("sonderborg", town="Nordborg", latitude=55.0578, longitude=9.7470)
    distances = [s.distance_km for s in ranked(session, query, NOW)]
    assert distances and all(d is not None and d <= 30 for d in distances)
    nearest = search(session, query, NOW).hits[0]
    assert nearest.scored.distance_km is not None


def test_nothing_found_suggests_what_to_drop(session: Session) -> None:
    query = Query("solrod", areas=("elderly",), keywords="zyxwvuq")
    assert search(session, query, NOW).total == 0
    options = dict(relaxations(session, query, NOW))
    assert "keywords" in options and options["keywords"] > 0
    assert "areas" not in options  # dropping the area alone still leaves the nonsense word


def test_a_page_past_the_end_gives_the_last_page(session: Session) -> None:
    page = search(session, Query("sonderborg"), NOW, page=999)
    assert page.page == page.pages - 1
    assert page.hits
