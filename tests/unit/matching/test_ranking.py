"""Ranking order on a small fixture: the pure scoring function, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.matching.scoring import Candidate, Query, rank, score
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY, mask, related_areas

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
NORDBORG = (55.0578, 9.7470)
SONDERBORG = (54.9094, 9.7923)
GRASTEN = (54.9190, 9.5950)


def candidate(
    ident: int,
    areas: list[str],
    availability: list[str] = ("weekday", "daytime", "regular"),  # type: ignore[assignment]
    *,
    at: tuple[float, float] = SONDERBORG,
    spots: int | None = 5,
    interests: int = 0,
    age_days: int = 100,
    activities: list[str] = (),  # type: ignore[assignment]
) -> Candidate:
    return Candidate(
        id=ident,
        area_mask=mask(areas, AREAS),
        activity_mask=mask(activities, ACTIVITIES),
        availability_mask=mask(availability, AVAILABILITY),
        latitude=at[0],
        longitude=at[1],
        spots=spots,
        interest_count=interests,
        created_at=NOW - timedelta(days=age_days),
    )


def order(candidates: list[Candidate], query: Query) -> list[int]:
    return [s.candidate.id for s in rank(candidates, query, NOW)]


def test_exact_area_ranks_before_a_related_one() -> None:
    query = Query("sonderborg", areas=("loneliness",))
    related = candidate(1, ["elderly"])  # elderly ~ loneliness
    exact = candidate(2, ["loneliness"])
    assert order([related, exact], query) == [2, 1]


def test_related_areas_are_symmetric_and_never_include_the_area_itself() -> None:
    for area in AREAS:
        assert area not in related_areas(area)
        for other in related_areas(area):
            assert area in related_areas(other)


def test_more_availability_overlap_ranks_higher() -> None:
    query = Query("sonderborg", areas=("elderly",), availability=("weekend", "evening"))
    both = candidate(1, ["elderly"], ["weekend", "evening"])
    one = candidate(2, ["elderly"], ["weekend", "daytime"])
    assert order([one, both], query) == [1, 2]


def test_nearer_ranks_higher_and_far_away_is_left_out() -> None:
    query = Query(
        "sonderborg",
        areas=("elderly",),
        town="Nordborg",
        latitude=NORDBORG[0],
        longitude=NORDBORG[1],
    )
    near = candidate(1, ["elderly"], at=NORDBORG)
    middle = candidate(2, ["elderly"], at=SONDERBORG)
    farther = candidate(3, ["elderly"], at=GRASTEN)
    nuuk = candidate(4, ["elderly"], at=(64.18, -51.69))
    assert order([farther, nuuk, middle, near], query) == [1, 2, 3]


def test_distance_does_not_beat_the_right_area() -> None:
    query = Query("sonderborg", areas=("children",), latitude=NORDBORG[0], longitude=NORDBORG[1])
    near_wrong_area = candidate(1, ["families"], at=NORDBORG)  # related only
    far_right_area = candidate(2, ["children"], at=GRASTEN)
    assert order([near_wrong_area, far_right_area], query) == [2, 1]


def test_full_opportunities_sink_below_those_with_spots_left() -> None:
    query = Query("sonderborg", areas=("elderly",))
    full = candidate(1, ["elderly"], spots=3, interests=3, age_days=1)
    open_spots = candidate(2, ["elderly"], spots=3, interests=0, age_days=200)
    assert order([full, open_spots], query) == [2, 1]


def test_fresher_wins_when_all_else_is_equal() -> None:
    query = Query("sonderborg", areas=("elderly",))
    old = candidate(1, ["elderly"], age_days=50)
    new = candidate(2, ["elderly"], age_days=2)
    assert order([old, new], query) == [2, 1]


def test_a_requested_activity_counts() -> None:
    query = Query("sonderborg", areas=("elderly",), activities=("driving",))
    driving = candidate(1, ["elderly"], activities=["driving"])
    visiting = candidate(2, ["elderly"], activities=["visiting"], age_days=1)
    assert order([visiting, driving], query) == [1, 2]


def test_equal_scores_keep_a_stable_order_by_id() -> None:
    query = Query("sonderborg")
    assert order([candidate(3, ["elderly"]), candidate(1, ["elderly"])], query) == [1, 3]


def test_reasons_say_why_it_fits() -> None:
    query = Query(
        "sonderborg",
        areas=("loneliness",),
        availability=("weekday",),
        town="Nordborg",
        latitude=NORDBORG[0],
        longitude=NORDBORG[1],
    )
    scored = score(candidate(1, ["elderly"], at=NORDBORG, age_days=3), query, NOW)
    keys = [r.key for r in scored.reasons]
    assert keys[:3] == ["matching.why.related", "matching.why.when", "matching.why.near_town"]
    assert "matching.why.new" in keys
    assert scored.distance_km is not None and scored.distance_km < 0.1


def test_a_related_area_never_outranks_a_real_match_however_many_points_it_has() -> None:
    # ældre · weekend · Sønderborg: a fresh, near, weekend opportunity about health (related to
    # the elderly) has more points than an old, far, weekday one for the elderly — and still
    # comes after it, marked as related only.
    query = Query(
        "sonderborg",
        areas=("elderly",),
        availability=("weekend",),
        latitude=SONDERBORG[0],
        longitude=SONDERBORG[1],
    )
    related = candidate(1, ["health"], ["weekend", "daytime"], at=SONDERBORG, age_days=1)
    exact = candidate(2, ["elderly"], ["weekday"], at=GRASTEN, spots=None, age_days=300)
    assert score(related, query, NOW).points > score(exact, query, NOW).points
    ranked = rank([related, exact], query, NOW)
    assert [s.candidate.id for s in ranked] == [2, 1]
    assert [s.related_only for s in ranked] == [False, True]
    assert score(related, query, NOW).related_only is True


def test_every_exact_match_comes_before_every_related_one() -> None:
    query = Query("sonderborg", areas=("children",))
    pool = [
        candidate(i, ["children"] if i % 3 == 0 else ["youth"], age_days=i) for i in range(1, 13)
    ]
    ranked = rank(pool, query, NOW)
    flags = [s.related_only for s in ranked]
    assert flags == sorted(flags)  # False (exact) first, then True (related only)
    assert flags.count(False) == 4


def test_without_areas_nothing_is_related_only() -> None:
    query = Query("sonderborg", availability=("weekend",))
    assert not any(s.related_only for s in rank([candidate(1, ["health"])], query, NOW))
