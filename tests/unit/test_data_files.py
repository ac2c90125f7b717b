"""Consistency checks for the reference data in `data/` (municipalities, associations,
opportunities and the per-municipality FAQ). Only PyYAML and the standard library."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "data"

SLUGS = {"sermersooq", "sonderborg", "jammerbugt", "tonder", "solrod"}
CODES = {
    "sermersooq": "SER",
    "sonderborg": "SON",
    "jammerbugt": "JAM",
    "tonder": "TON",
    "solrod": "SOL",
}
TIMEZONES = {"sermersooq": "America/Nuuk"}

AREAS = {
    "elderly",
    "children",
    "youth",
    "families",
    "disability",
    "mental_health",
    "homelessness",
    "refugees",
    "health",
    "addiction",
    "loneliness",
}
ACTIVITIES = {
    "visiting",
    "driving",
    "cooking",
    "tutoring",
    "it_help",
    "walking",
    "counselling",
    "events",
    "shopping",
}
AVAILABILITY = {"weekday", "weekend", "daytime", "evening", "one_off", "regular"}

VOLUNTEER_FAQ = {
    "insurance",
    "child_certificate",
    "age",
    "time_commitment",
    "expenses",
    "training",
    "tax_and_benefits",
    "how_to_start",
}
GRANT_FAQ = {
    "who_may_apply",
    "deadlines",
    "what_cannot_be_funded",
    "max_amount",
    "report",
    "decision",
}

# The grant forms use the same deadlines; the FAQ must not contradict them.
DEADLINES = {
    "sermersooq": ["1. februar 2027"],
    "sonderborg": ["1. marts 2027"],
    "jammerbugt": ["1. april 2027"],
    "tonder": ["1. marts 2027", "1. september 2027"],
    "solrod": ["hele året"],
}

KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TODAY = dt.date(2026, 11, 23)


@cache
def load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def municipalities() -> list[dict[str, Any]]:
    return load("municipalities.yaml")  # type: ignore[no-any-return]


def associations() -> list[dict[str, Any]]:
    return load("associations.yaml")  # type: ignore[no-any-return]


def opportunities() -> list[dict[str, Any]]:
    return load("opportunities.yaml")  # type: ignore[no-any-return]


def towns_by_municipality() -> dict[str, set[str]]:
    """Every name a town may be written as (name and aliases), per municipality."""
    return {
        m["slug"]: {n for t in m["towns"] for n in (t["name"], *(t.get("aliases") or []))}
        for m in municipalities()
    }


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# --- municipalities ------------------------------------------------------------------------


def test_exactly_the_five_municipalities() -> None:
    slugs = [m["slug"] for m in municipalities()]
    assert sorted(slugs) == sorted(SLUGS)
    assert len(slugs) == len(set(slugs))


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_municipality_fields(slug: str) -> None:
    m = next(m for m in municipalities() if m["slug"] == slug)
    assert m["code"] == CODES[slug]
    assert m["timezone"] == TIMEZONES.get(slug, "Europe/Copenhagen")
    assert m["languages"] == (["kl", "da"] if slug == "sermersooq" else ["da"])
    for kind in ("volunteer", "grants"):
        contact = m["contacts"][kind]
        for field in ("name", "title", "email", "phone"):
            assert isinstance(contact[field], str) and contact[field].strip(), (slug, kind, field)
        assert "@" in contact["email"]
        prefix = "+299 " if slug == "sermersooq" else "+45 "
        assert contact["phone"].startswith(prefix), (slug, kind)
        assert set(contact["hours"]) >= {"da", "en"}
    assert m["towns"], slug


def test_towns_have_plausible_coordinates() -> None:
    for m in municipalities():
        for town in m["towns"]:
            lat, lon = town["lat"], town["lon"]
            assert isinstance(lat, float) and isinstance(lon, float), town["name"]
            if m["slug"] == "sermersooq":
                assert 59 <= lat <= 72 and -55 <= lon <= -20, town["name"]
            else:
                assert 54.5 <= lat <= 57.8 and 8 <= lon <= 13, town["name"]


def test_town_names_are_unique_across_municipalities() -> None:
    seen: dict[str, str] = {}
    for slug, names in towns_by_municipality().items():
        for name in names:
            key = name.casefold()
            assert seen.setdefault(key, slug) == slug, f"{name} in {seen[key]} and {slug}"


# --- associations ----------------------------------------------------------------------------


def test_associations() -> None:
    items = associations()
    assert len(items) >= 30
    keys = [a["key"] for a in items]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    for a in items:
        assert KEY.match(a["key"]), a["key"]
        assert a["municipality"] in SLUGS, a["key"]
        assert a["key"].startswith(CODES[a["municipality"]].lower() + "-"), a["key"]
        assert a["name"].strip() and a["description"].strip(), a["key"]
        assert {"name", "email", "phone"} <= set(a["contact"]), a["key"]
        assert a["website"] is None or a["website"].startswith("https://"), a["key"]
    per_municipality = Counter(a["municipality"] for a in items)
    assert all(per_municipality[s] >= 6 for s in SLUGS), per_municipality


# --- opportunities ---------------------------------------------------------------------------


def test_opportunity_keys_are_unique() -> None:
    keys = [o["key"] for o in opportunities()]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    assert all(KEY.match(k) for k in keys), [k for k in keys if not KEY.match(k)]
    association_keys = {a["key"] for a in associations()}
    assert not set(keys) & association_keys


def test_opportunity_counts() -> None:
    items = opportunities()
    assert len(items) >= 150
    owner = {a["key"]: a["municipality"] for a in associations()}
    per_municipality = Counter(owner[o["association"]] for o in items)
    assert all(per_municipality[s] >= 25 for s in SLUGS), per_municipality


def test_opportunity_association_and_town() -> None:
    owner = {a["key"]: a["municipality"] for a in associations()}
    towns = towns_by_municipality()
    for o in opportunities():
        assert o["association"] in owner, o["key"]
        slug = owner[o["association"]]
        assert o["key"].startswith(CODES[slug].lower() + "-"), o["key"]
        assert o["town"] in towns[slug], (o["key"], o["town"])


def test_opportunity_values_are_canonical() -> None:
    for o in opportunities():
        assert 1 <= len(o["areas"]) <= 3 and set(o["areas"]) <= AREAS, o["key"]
        assert 1 <= len(o["activities"]) <= 3 and set(o["activities"]) <= ACTIVITIES, o["key"]
        assert set(o["availability"]) <= AVAILABILITY, o["key"]
        assert len(set(o["areas"])) == len(o["areas"]), o["key"]
        assert o["status"] in {"open", "closed"}, o["key"]


def test_opportunity_fields() -> None:
    for o in opportunities():
        key = o["key"]
        assert o["title"].strip() and o["description"].strip(), key
        availability = set(o["availability"])
        assert ("one_off" in availability) != ("regular" in availability), key
        if "one_off" in availability:
            day = as_date(o["one_off_date"])
            assert day > TODAY, key
            assert ("weekend" in availability) == (day.weekday() >= 5), key
            assert o["hours_per_week"] is None, key
        else:
            assert o["one_off_date"] is None, key
            assert isinstance(o["hours_per_week"], int | float), key
            assert 0 < o["hours_per_week"] <= 20, key
        req = o["requirements"]
        assert req["min_age"] is None or 10 <= req["min_age"] <= 30, key
        assert isinstance(req["child_certificate"], bool), key
        assert req["other"] is None or req["other"].strip(), key
        assert isinstance(o["spots"], int) and 0 <= o["spots"] <= 20, key
        created = as_date(o["created"])
        assert dt.date(2026, 6, 1) <= created <= TODAY, key
        if o["expires"] is not None:
            assert as_date(o["expires"]) > created, key


def test_close_contact_with_children_needs_a_child_certificate() -> None:
    """Børneattest when volunteers get close, regular contact with children under 15 (packing
    Christmas hampers or helping at an open summer fest does not count)."""
    close = {"tutoring", "visiting", "counselling"}
    for o in opportunities():
        activities = set(o["activities"])
        camp = "one_off" in o["availability"] and "cooking" in activities
        if "children" in o["areas"] and (close & activities or camp):
            assert o["requirements"]["child_certificate"], o["key"]


def test_every_area_activity_and_availability_is_used() -> None:
    items = opportunities()
    assert {a for o in items for a in o["areas"]} == AREAS
    assert {a for o in items for a in o["activities"]} == ACTIVITIES
    assert {a for o in items for a in o["availability"]} == AVAILABILITY


def test_some_closed_and_some_expired() -> None:
    items = opportunities()
    assert sum(o["status"] == "closed" for o in items) >= 3
    expired = [o for o in items if o["expires"] is not None and as_date(o["expires"]) < TODAY]
    assert len(expired) >= 3


# --- FAQ -------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_faq_topics(slug: str) -> None:
    topics = load(f"faq/{slug}.yaml")
    keys = [t["key"] for t in topics]
    assert len(keys) == len(set(keys)), slug
    assert set(keys) >= VOLUNTEER_FAQ | GRANT_FAQ, (VOLUNTEER_FAQ | GRANT_FAQ) - set(keys)
    for t in topics:
        expected = "volunteer_faq" if t["key"] in VOLUNTEER_FAQ else "grant_faq"
        assert t["intent"] == expected, (slug, t["key"])
        assert t["keywords"], (slug, t["key"])
        assert all(k == k.lower() and k.strip() for k in t["keywords"]), (slug, t["key"])
        for part in ("question", "answer"):
            for language in ("da", "en"):
                assert str(t[part][language]).strip(), (slug, t["key"], part, language)


def test_no_faq_for_unknown_municipalities() -> None:
    assert {p.stem for p in (DATA / "faq").glob("*.yaml")} == SLUGS


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_faq_deadlines_match_the_grant_rounds(slug: str) -> None:
    topics = {t["key"]: t for t in load(f"faq/{slug}.yaml")}
    answer = topics["deadlines"]["answer"]["da"]
    for deadline in DEADLINES[slug]:
        assert deadline in answer, (slug, deadline)


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_faq_max_amount_matches_the_grant_form(slug: str) -> None:
    path = DATA / "grants" / f"{slug}.yaml"
    if not path.exists():
        pytest.skip("no grant form for this municipality yet")
    form = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics = {t["key"]: t for t in load(f"faq/{slug}.yaml")}
    amount = f"{int(form['max_amount']):,}"
    assert amount.replace(",", ".") in topics["max_amount"]["answer"]["da"], slug
    assert amount in topics["max_amount"]["answer"]["en"], slug
