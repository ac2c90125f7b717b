"""Fuzzy resolution after Rasa (nlu/fuzzy.py): typos keep what the user said, ordinary words stay
ordinary. Uses the real nlu/data/synonyms.yml and the real towns of data/municipalities.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.directory import Directory
from nlu.fuzzy import Vocabulary

SEARCH = "find_opportunity"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(PROJECT_ROOT / "data")


@pytest.fixture(scope="module")
def vocabulary(directory: Directory) -> Vocabulary:
    return Vocabulary.load(places=directory.place_names())


def found(entities: list[dict[str, Any]], text: str) -> list[tuple[str, str, str]]:
    """(kind, value, the words it was read from)."""
    return [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in entities]


def test_the_sentence_from_issue_12_keeps_area_time_and_town(
    vocabulary: Vocabulary, directory: Directory
) -> None:
    text = "jeg vil gærne hjælpe ældere i weeknden i Sønderbrog"

    entities = vocabulary.resolve([], text, SEARCH)

    assert found(entities, text) == [
        ("area", "elderly", "ældere"),
        ("availability", "weekend", "i weeknden"),
        ("location", "Sønderbrog", "Sønderbrog"),
    ]
    assert all(e["extractor"] == "fuzzy" for e in entities)
    assert directory.closest_place("Sønderbrog") == ("Sønderborg", "sonderborg")


@pytest.mark.parametrize(
    ("kind", "typed", "value"),
    [
        ("area", "ældere", "elderly"),  # a letter added
        ("area", "eldre", "elderly"),  # æ typed as e
        ("area", "hjemlose", "homelessness"),  # ø typed as o (listed)
        ("area", "hjemlsoe", "homelessness"),  # two letters swapped
        ("area", "flytninge", "refugees"),  # a letter dropped
        ("area", "older people", "elderly"),  # how people name it (issue 17)
        ("area", "kids", "children"),
        ("availability", "weeknden", "weekend"),
        ("availability", "i hverdagen", "weekday"),
        ("availability", "efter arbejde", "evening"),
        ("availability", "efter klokken 17", "evening"),
        ("availability", "en gang imellem", "one_off"),
        ("activity", "besøgsvven", "visiting"),  # a letter doubled
        ("activity", "it_help", "it_help"),  # canonical already
    ],
)
def test_a_value_rasa_returned_as_typed_becomes_canonical(
    vocabulary: Vocabulary, kind: str, typed: str, value: str
) -> None:
    assert vocabulary.canonical(kind, typed) == value
    text = f"noget med {typed}"
    start = text.index(typed)
    raw = [{"entity": kind, "value": typed, "start": start, "end": len(text)}]
    assert vocabulary.resolve(raw, text, "apply_grant")[0]["value"] == value


@pytest.mark.parametrize("typed", ["aftale", "ældste", "lørdagsavis", "hjælpe"])
def test_a_different_word_of_the_same_stem_is_not_taken(vocabulary: Vocabulary, typed: str) -> None:
    assert all(vocabulary.canonical(kind, typed) is None for kind in ("area", "availability"))


@pytest.mark.parametrize(
    "text",
    [
        "can i help refugees with homework",  # "i help" is not "it help"
        "looking for volunteer work on weekends",  # "looking" is not "cooking"
        "jeg kunne godt tænke mig at hjælpe unge",  # "at hjælpe" is not "it hjælp"
        "vi har en aftale om at mødes",  # "aftale" is not "aften"
    ],
)
def test_ordinary_words_are_not_read_as_entities(vocabulary: Vocabulary, text: str) -> None:
    kinds = [(e["entity"], e["value"]) for e in vocabulary.resolve([], text, SEARCH)]
    assert ("activity", "it_help") not in kinds
    assert ("activity", "cooking") not in kinds
    assert ("availability", "evening") not in kinds


def test_words_are_only_looked_for_in_a_search(vocabulary: Vocabulary) -> None:
    text = "hvornår er dialogmødet i weeknden i Sønderbrog"
    assert vocabulary.resolve([], text, "meeting_info") == []


def test_what_rasa_found_is_kept_and_not_found_twice(vocabulary: Vocabulary) -> None:
    text = "jeg vil hjælpe ældre i weekenden i Tønder"
    start = text.index("ældre")
    place = text.index("Tønder")
    rasa = [
        {"entity": "area", "value": "elderly", "start": start, "end": start + 5},
        {"entity": "location", "value": "Tønder", "start": place, "end": place + 6},
    ]

    entities = vocabulary.resolve(rasa, text, SEARCH)

    assert found(entities, text) == [
        ("area", "elderly", "ældre"),
        ("location", "Tønder", "Tønder"),
        ("availability", "weekend", "i weekenden"),
    ]


def test_a_value_close_to_nothing_passes_unchanged(vocabulary: Vocabulary) -> None:
    """The client then drops it as outside the contract, as before."""
    raw = [{"entity": "area", "value": "sommerferien", "start": 0, "end": 12}]
    assert vocabulary.resolve(raw, "sommerferien", SEARCH)[0]["value"] == "sommerferien"


def test_the_longest_listed_phrase_wins(vocabulary: Vocabulary) -> None:
    text = "jeg kan hjælpe en gang om ugen"
    assert found(vocabulary.resolve([], text, SEARCH), text) == [
        ("availability", "regular", "en gang om ugen")
    ]


def test_a_typo_in_a_town_finds_it_and_a_stranger_word_does_not(directory: Directory) -> None:
    assert directory.closest_place("Tønderr") == ("Tønder", "tonder")
    assert directory.closest_place("Augustenbrog") == ("Augustenborg", "sonderborg")
    assert directory.closest_place("Havde") is None
    assert directory.closest_place("København") is None
