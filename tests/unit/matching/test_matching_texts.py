"""Keys the matching code builds at run time (vocabulary labels, relax options) exist in da and
en; the literal keys are covered by tests/unit/test_catalogs.py."""

from __future__ import annotations

import pytest

from bot.i18n import catalog
from bot.matching.flow import TIME_CHOICES
from bot.matching.search import RELAXABLE
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY

BUILT_KEYS = [
    *(f"matching.area.{v}" for v in AREAS),
    *(f"matching.activity.{v}" for v in ACTIVITIES),
    *(f"matching.availability.{v}" for v in AVAILABILITY),
    *(f"matching.time.{v}" for v in TIME_CHOICES),
    *(f"matching.relax.{v}" for v in RELAXABLE),
    "matching.staff.status.open",
    "matching.staff.status.closed",
]


@pytest.mark.parametrize("language", ["da", "en"])
def test_keys_built_at_run_time_have_texts(language: str) -> None:
    missing = [key for key in BUILT_KEYS if key not in catalog(language)]
    assert not missing


def test_danish_area_labels_are_danish() -> None:
    assert catalog("da")["matching.area.elderly"] == "Ældre"


def test_the_catch_all_buttons_answer_their_questions() -> None:
    """»Hvem vil du gerne hjælpe?« is answered with people, »Hvornår har du tid?« with a time:
    not one »Ligegyldigt« for both (review of issue 16, item C)."""
    assert catalog("da")["matching.any_area"] == "Alle målgrupper"
    assert catalog("da")["matching.any_time"] == "Når som helst"
    assert catalog("en")["matching.any_area"] == "All target groups"
    assert catalog("en")["matching.any_time"] == "Any time"
    assert "matching.any" not in catalog("da")
