"""Reading typed meeting fields: one parser per field, and a field without one is a bug, not
a title error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.meetings.fields import PARSERS, Typed, parse_field
from bot.meetings.service import EDITABLE
from bot.meetings.staff.steps import EDIT_STEPS, FIELDS, TEXT_FIELDS, WIZARD_STEPS
from bot.validation.errors import InvalidInput

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TYPED = Typed("Europe/Copenhagen", NOW, {"starts_at": "2027-03-15T16:00:00+00:00"})


def test_every_typed_field_has_a_parser_and_every_field_a_step() -> None:
    assert set(PARSERS) == set(TEXT_FIELDS)
    assert set(EDITABLE) <= set(PARSERS)
    assert tuple(WIZARD_STEPS) == FIELDS
    assert tuple(EDIT_STEPS) == EDITABLE


def test_a_field_without_a_parser_is_a_lookup_error_not_the_titles_message() -> None:
    with pytest.raises(LookupError, match="audience"):
        parse_field("audience", "alle", TYPED)


@pytest.mark.parametrize(
    ("field", "text", "key"),
    [
        ("title", "ab", "meetings.error.title"),
        ("place", "x", "meetings.error.place"),
        ("address", "x" * 201, "meetings.error.address"),
        ("agenda", "x" * 3001, "meetings.error.agenda"),
        ("capacity", "-3", "meetings.error.number"),
        ("per_association", "²", "meetings.error.number"),  # a digit int() cannot read
        ("starts_at", "1/2-2027 kl. 17", "meetings.error.in_the_past"),
        ("ends_at", "15/3-2027", "meetings.error.time_missing"),
    ],
)
def test_each_field_says_its_own_reason(field: str, text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_field(field, text, TYPED)
    assert error.value.key == key


def test_good_answers_are_kept_as_the_wizard_stores_them() -> None:
    assert parse_field("title", "  Dialogmøde  ", TYPED) == "Dialogmøde"
    assert parse_field("capacity", "ingen", TYPED) is None
    assert parse_field("capacity", "40", TYPED) == 40
    assert parse_field("agenda", "-", TYPED) == ""
    assert parse_field("ends_at", "kl. 19", TYPED) == "2027-03-15T18:00:00+00:00"
