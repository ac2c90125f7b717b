"""The eligibility test and application references."""

from __future__ import annotations

from datetime import date

import pytest

from bot.grants.eligibility import REQUIRED_CRITERIA, applicable_questions, evaluate
from bot.grants.references import (
    Reference,
    format_reference,
    parse_reference,
    reference_for,
    round_year,
)
from bot.grants.schemes import GrantScheme


def _all_pass(scheme: GrantScheme) -> dict[str, bool]:
    return {q.key: q.passes_with is not False for q in scheme.eligibility}


def test_every_scheme_asks_the_core_criteria(schemes: dict[str, GrantScheme]) -> None:
    for scheme in schemes.values():
        assert {q.key for q in scheme.eligibility} >= REQUIRED_CRITERIA


def test_all_passing_answers_pass(schemes: dict[str, GrantScheme]) -> None:
    for scheme in schemes.values():
        outcome = evaluate(scheme, _all_pass(scheme))
        assert outcome.passed, scheme.slug
        assert outcome.failed is None and outcome.explanation("da") is None


def test_paid_work_fails_with_a_kind_explanation(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["sonderborg"]
    outcome = evaluate(scheme, {**_all_pass(scheme), "unpaid": False})
    assert not outcome.passed
    assert outcome.failed_key == "unpaid"
    assert outcome.explanation("da") == (
        "§ 18-tilskud går kun til ulønnet arbejde. "
        "Tal gerne med kommunens kontaktperson om andre puljer."
    )
    assert outcome.explanation("en") is not None and "unpaid" in outcome.explanation("en")


def test_evaluation_stops_at_the_first_failure(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["jammerbugt"]
    outcome = evaluate(scheme, {"voluntary": False})
    assert outcome.failed_key == "voluntary" and outcome.pending is None


def test_pending_names_the_next_question(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["tonder"]
    outcome = evaluate(scheme, {"voluntary": True})
    assert not outcome.passed and outcome.failed is None
    assert outcome.pending is not None and outcome.pending.key == "unpaid"


def test_solrod_asks_sports_clubs_about_social_purpose(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["solrod"]
    club = {**_all_pass(scheme), "sports_club": True, "social_purpose": False}
    assert evaluate(scheme, club).failed_key == "social_purpose"
    assert "tydeligt socialt sigte" in (evaluate(scheme, club).explanation("da") or "")
    social = {**_all_pass(scheme), "sports_club": False}
    assert evaluate(scheme, social).passed
    assert "sports_club" in {q.key for q in applicable_questions(scheme, {})}


def test_sermersooq_accepts_self_organised_groups(schemes: dict[str, GrantScheme]) -> None:
    organised = next(q for q in schemes["sermersooq"].eligibility if q.key == "organised")
    assert "gruppe" in organised.question.get("da")


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("sermersooq", "SER"),
        ("sonderborg", "SON"),
        ("jammerbugt", "JAM"),
        ("tonder", "TON"),
        ("solrod", "SOL"),
    ],
)
def test_reference_round_trip(schemes: dict[str, GrantScheme], slug: str, code: str) -> None:
    assert schemes[slug].code == code
    text = reference_for(slug, 2027, 42)
    assert text == f"{code}-2027-0042"
    parsed = parse_reference(text)
    assert parsed == Reference(code, 2027, 42)
    assert parsed is not None and parsed.slug == slug


def test_references_as_people_retype_them() -> None:
    assert format_reference("SON", 2027, 42) == "SON-2027-0042"
    assert format_reference("TON", 2027, 12345) == "TON-2027-12345"
    assert parse_reference(" son 2027 42 ") == Reference("SON", 2027, 42)
    assert parse_reference("XYZ-2027-0001") is None
    assert parse_reference("SON-2027-0000") is None
    assert parse_reference("hej") is None
    with pytest.raises(ValueError, match="unknown municipality code"):
        format_reference("ABC", 2027, 1)


def test_a_reference_is_numbered_by_the_rounds_year_not_the_day_it_is_sent() -> None:
    late_2026 = date(2026, 11, 29)
    assert round_year("2027", date(2027, 3, 1), late_2026) == 2027
    assert round_year("2027-spring", date(2027, 4, 1), late_2026) == 2027
    # A key without a year: the deadline's year, and for an all-year scheme the day it is sent.
    assert round_year("forår", date(2027, 4, 1), late_2026) == 2027
    assert round_year("løbende", None, late_2026) == 2026
