"""Every example the bot shows ("fx 12 34 56 74", "e.g. 12500 kr", "fx »Leje af bus: 4.500 kr.«")
passes the validator of the step that shows it, so a user who copies it is never refused.

Examples are found by pattern (after "fx", "f.eks.", "e.g."), in every catalog text and in the
help text of every grant form field; the validator comes from the prompt key's name or the
field's type. Meetings (dates with times, another parser) are left to their own tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from bot.award.flow import read_contact
from bot.companies.service import parse_contact, parse_register_number
from bot.config import PROJECT_ROOT
from bot.grants.fields import parse_answer, parse_budget_line
from bot.grants.schemes import load_schemes
from bot.i18n import catalog
from bot.validation.amounts import read_amount
from bot.validation.contact import parse_email, parse_phone
from bot.validation.cvr import parse_cvr
from bot.validation.dates import parse_date, parse_date_range, parse_time
from bot.validation.text import parse_integer

_MARKER = re.compile(r"(?:\bf\.eks\.|\bfx\b|\be\.g\.)\s+", re.IGNORECASE)
_QUOTED = re.compile(r"""^[»„“"'](?P<text>[^«“”"']+)[«“”"']""")
#: An example ends at a closing parenthesis or at a full stop that ends the sentence.
_END = re.compile(r"\)|\.(?=\s+[A-ZÆØÅ<]|\s*$)|\s\(|\n")
_ALTERNATIVES = re.compile(r",\s+|\s+(?:eller|or)\s+")


def _whole_amount(text: str) -> object:
    reading = read_amount(text)
    assert isinstance(reading, int), f"{text!r} reads two ways: {reading}"
    return reading


def _clock_time(text: str) -> object:
    reading = parse_time(text)
    assert reading is not None, f"{text!r} is not a clock time"
    return reading


#: Key fragment → the validator of the step whose prompt or error carries the key (first match).
VALIDATORS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("time_impossible", _clock_time),
    ("companies.ask.register_number", parse_register_number),
    ("companies.error.contact", parse_contact),
    ("contact", read_contact),
    ("deadline", parse_date),
    ("cvr", parse_cvr),
    ("email", parse_email),
    ("phone", parse_phone),
    ("date_range", parse_date_range),
    ("date", parse_date),
    ("budget", parse_budget_line),
    ("amount", _whole_amount),
    ("spent", _whole_amount),
    ("integer", parse_integer),
    ("spots", parse_integer),
)
#: Namespaces whose examples are free text or belong to another parser (see the docstring).
SKIPPED_NAMESPACES = ("meetings.", "web.meetings.")


def examples_in(text: str) -> Iterator[str]:
    """Every example after a marker; "fx 15/3-2027, 15.03.2027 eller 15. marts 2027" gives three."""
    for marker in _MARKER.finditer(text):
        rest = text[marker.end() :]
        quoted = _QUOTED.match(rest)
        if quoted:
            yield quoted["text"]
            continue
        end = _END.search(rest)
        for example in _ALTERNATIVES.split(rest[: end.start()] if end else rest):
            if example.strip():
                yield example.strip()


def test_examples_are_found_by_pattern() -> None:
    assert list(examples_in("Skriv datoen som fx 15/3-2027, 15.03.2027 eller 15. marts 2027.")) == [
        "15/3-2027",
        "15.03.2027",
        "15. marts 2027",
    ]
    assert list(examples_in("8 cifre (fx 20 30 40 50) eller 6 (fx +299 32 10 00).")) == [
        "20 30 40 50",
        "+299 32 10 00",
    ]
    assert list(examples_in("Skriv et beløb, fx 12.500 kr.")) == ["12.500 kr"]
    assert list(examples_in("One at a time, e.g. “Bus hire: 4500 kr”.")) == ["Bus hire: 4500 kr"]


def _catalog_examples() -> Iterator[tuple[str, str, str]]:
    for language in ("da", "en"):
        for key, text in sorted(catalog(language).items()):
            if key.startswith(SKIPPED_NAMESPACES):
                continue
            for example in examples_in(text):
                yield language, key, example


CATALOG_EXAMPLES = list(_catalog_examples())


def test_the_catalogs_show_examples_of_every_kind() -> None:
    kinds = {
        fragment for _, key, _ in CATALOG_EXAMPLES for fragment, _ in VALIDATORS if fragment in key
    }
    assert {"cvr", "email", "phone", "date", "date_range", "budget", "amount", "integer"} <= kinds


@pytest.mark.parametrize(("language", "key", "example"), CATALOG_EXAMPLES)
def test_every_catalog_example_passes_its_steps_validator(
    language: str, key: str, example: str
) -> None:
    validator = next((check for fragment, check in VALIDATORS if fragment in key), None)
    if validator is None:
        # Free text (a title, a place, a sentence for the NLU): anything goes, but a number in
        # it would mean a kind of value this test does not know yet.
        assert not re.search(r"\d", example), f"{key}: add a validator for {example!r}"
        return
    validator(example)  # raises InvalidInput (or AssertionError) when the example is refused


def _help_examples() -> Iterator[tuple[str, str, str, str]]:
    for slug, scheme in sorted(load_schemes(PROJECT_ROOT / "data" / "grants").items()):
        for spec in scheme.form:
            for language, text in sorted((spec.help.root if spec.help else {}).items()):
                for example in examples_in(text):
                    yield slug, spec.key, language, example


@pytest.mark.parametrize(("slug", "field", "language", "example"), list(_help_examples()))
def test_every_form_help_example_passes_the_fields_validator(
    slug: str, field: str, language: str, example: str
) -> None:
    spec = load_schemes(PROJECT_ROOT / "data" / "grants")[slug].field(field)
    result = parse_answer(spec, example)
    assert result.ok, (example, result.error or result.readings)
