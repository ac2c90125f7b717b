"""Fuzzy resolution of entities after Rasa: typos still reach the contract's canonical values.

Rasa's synonym mapper only knows the spellings listed in ``nlu/data/synonyms.yml``, so »ældere«
comes back as the raw text ``ældere`` (and the client drops it as outside the contract), and a word
the tagger did not mark at all (»weeknden«) is lost. :class:`Vocabulary` repairs both, with the same
matcher the place step uses for »mente du Sønderborg?« (:func:`bot.directory.closest`):

* ``canonical(kind, text)``: a non-canonical value Rasa returned, mapped to the closest listed
  spelling of that kind (»ældere« → ``elderly``), or None when nothing is close enough;
* ``resolve(entities, text, intent)``: Rasa's entity list with values made canonical and, for a
  search (``find_opportunity``), the areas, times, activities and places Rasa missed added from the
  words no entity covers (»weeknden« → ``weekend``, »Sønderbrog« as a location).

Only the standard library, PyYAML and ``bot.directory`` are used, so ``nlu/scripts/evaluate.py``
(Rasa's Python 3.10 environment) scores exactly what the bot's client gets.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from bot.directory import PLACE_CUTOFF, closest_key, fold
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY

__all__ = ["KINDS", "SEARCH_INTENT", "SYNONYMS", "TERM_CUTOFF", "Vocabulary"]

SYNONYMS: Final = Path(__file__).resolve().parent / "data" / "synonyms.yml"
#: The intent whose entities shape a search; only there are missed words looked for.
SEARCH_INTENT: Final = "find_opportunity"
#: How alike (difflib ratio of the folded texts, 0–1) a word must be to a listed spelling to be
#: taken for it. One typo in a word of six letters or more stays above it (»ældere«/»ældre« 0.92,
#: »weeknden«/»weekenden« 0.94, »flytninge«/»flygtninge« 0.95); different words of the same stem
#: fall below it (»aftale«/»aften« 0.73, »ældste«/»ældre« 0.77).
TERM_CUTOFF: Final = 0.84
#: Words shorter than this (folded) are never looked up by the scan: short words are too often
#: another real word one letter away (»fast«, »kok«, »syge«, »hune«), so they are left to Rasa.
MIN_SCAN_CHARS: Final = 5
#: Only the first words of a message are scanned (each costs ~0.1 ms per window on a busy core);
#: a search is stated early, and Rasa still reads the whole text.
MAX_SCAN_WORDS: Final = 80
#: The longest phrase (in words) that is compared with a listed spelling (»en gang om ugen«).
MAX_WINDOW: Final = 4
#: Entity kind -> its canonical values (the closed vocabularies of matching).
KINDS: Final[Mapping[str, frozenset[str]]] = {
    "area": frozenset(AREAS),
    "availability": frozenset(AVAILABILITY),
    "activity": frozenset(ACTIVITIES),
}
_WORD: Final = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


class Vocabulary:
    """The spellings people use for each canonical value, and the place names we know."""

    def __init__(self, forms: Mapping[str, Mapping[str, str]], places: Iterable[str] = ()) -> None:
        """`forms`: entity kind → {spelling → canonical value}; `places`: town and municipality
        names (location entities keep the text as written; the client resolves the town)."""
        self._forms = {
            kind: {fold(k): v for k, v in spellings.items()} for kind, spellings in forms.items()
        }
        for kind, values in KINDS.items():
            spellings = self._forms.setdefault(kind, {})
            for value in values:  # the canonical names themselves, "it_help" as "it help"
                spellings.setdefault(fold(value.replace("_", " ")), value)
        self._places = list(dict.fromkeys(fold(place) for place in places))
        # Every spelling of every kind in one table, and by length: two texts whose lengths differ
        # too much cannot reach the cutoff, so the scan compares each phrase with few spellings.
        self._terms: dict[str, tuple[str, str]] = {}
        for kind, spellings in self._forms.items():
            for key, value in spellings.items():
                self._terms.setdefault(key, (kind, value))
        self._by_length: dict[int, list[str]] = {}
        for key in self._terms:
            self._by_length.setdefault(len(key), []).append(key)
        self._window = min(MAX_WINDOW, max(len(key.split()) for key in self._terms))
        # The same words recur from message to message ("frivillig", "gerne"): remember the answers.
        self._term = functools.lru_cache(maxsize=8192)(self._closest_term)
        self._place = functools.lru_cache(maxsize=8192)(self._closest_place)

    def _closest_term(self, key: str) -> tuple[float, str, str] | None:
        """(similarity, kind, canonical value) of the spelling closest to the folded `key` whose
        words line up with the phrase's (see `_aligned`)."""
        for match in closest_key(key, self._near(key), cutoff=TERM_CUTOFF, limit=3):
            if _aligned(key, match):
                kind, value = self._terms[match]
                return _ratio(key, match), kind, value
        return None

    def _closest_place(self, key: str) -> float | None:
        """Similarity of the place name closest to the folded `key`, if one is close enough."""
        match = closest_key(key, self._places, cutoff=PLACE_CUTOFF)
        return _ratio(key, match[0]) if match else None

    def _near(self, key: str) -> list[str]:
        """Spellings long enough and short enough to be `TERM_CUTOFF` alike `key`."""
        low = int(len(key) * TERM_CUTOFF / (2 - TERM_CUTOFF))
        high = int(len(key) * (2 - TERM_CUTOFF) / TERM_CUTOFF) + 1
        return [k for n in range(low, high + 1) for k in self._by_length.get(n, ())]

    @classmethod
    def load(cls, path: Path = SYNONYMS, places: Iterable[str] = ()) -> Vocabulary:
        """The spellings in `path` (Rasa's synonyms file: ``synonym: value`` with ``examples``)."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        forms: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        for item in raw.get("nlu") or ():
            value = item.get("synonym") if isinstance(item, dict) else None
            kind = next((k for k, values in KINDS.items() if value in values), None)
            if kind is None:
                continue
            for line in str(item.get("examples") or "").splitlines():
                spelling = line.strip().removeprefix("- ").strip()
                if spelling:
                    forms[kind][spelling] = str(value)
        return cls(forms, places)

    def canonical(self, kind: str, text: str) -> str | None:
        """The canonical value of `kind` that `text` names, typos allowed; None if none is close."""
        values = KINDS.get(kind)
        if values is None:
            return None
        if text in values:
            return text
        spellings = self._forms.get(kind, {})
        key = fold(text)
        if key in spellings:
            return spellings[key]
        found = closest_key(key, spellings, cutoff=TERM_CUTOFF)
        return spellings[found[0]] if found else None

    def resolve(
        self, entities: Iterable[Mapping[str, Any]], text: str, intent: str | None
    ) -> list[dict[str, Any]]:
        """Rasa's entities (``entity``, ``value``, ``start``, ``end``) with canonical values where a
        listed spelling is close, plus, when `intent` is a search, what Rasa missed in `text`.

        Entities of other kinds (location, amount) pass unchanged; a closed-kind value that matches
        nothing also passes unchanged (the client drops it as outside the contract). Added entities
        carry ``"extractor": "fuzzy"``.
        """
        out: list[dict[str, Any]] = []
        for raw in entities:
            entity = dict(raw)
            kind, value = entity.get("entity"), entity.get("value")
            if kind in KINDS and isinstance(value, str) and value not in KINDS[kind]:
                surface = _surface(entity, text)
                better = self.canonical(kind, value) or (surface and self.canonical(kind, surface))
                if better:
                    entity["value"] = better
            out.append(entity)
        if intent == SEARCH_INTENT:
            out += self._scan(text, out)
        return out

    def _scan(self, text: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Closed-kind values and places in the words of `text` no entity in `found` covers."""
        taken = [(s, e) for s, e in (_span(x) for x in found) if s < e]
        words = [m.span() for m in _WORD.finditer(text)][:MAX_SCAN_WORDS]
        has_place = any(x.get("entity") == "location" for x in found)
        candidates: list[tuple[float, int, int, int, str, str]] = []
        for i in range(len(words)):
            for size in range(1, self._window + 1):
                if i + size > len(words):
                    break
                start, end = words[i][0], words[i + size - 1][1]
                if any(start < e and s < end for s, e in taken):
                    break
                phrase = text[start:end]
                key = fold(phrase)
                if len(key.replace(" ", "")) < MIN_SCAN_CHARS:
                    continue
                term = self._term(key)
                if term:
                    candidates.append((term[0], size, start, end, term[1], term[2]))
                place = self._place(key) if not has_place and size <= 2 else None
                if place:
                    candidates.append((place, size, start, end, "location", phrase))
        added: list[dict[str, Any]] = []
        # Best match first; among equals the longer phrase (»en gang imellem« over »en gang«).
        for score, _size, start, end, kind, value in sorted(
            candidates, key=lambda c: (-c[0], -c[1])
        ):
            if any(start < e and s < end for s, e in taken):
                continue
            if kind == "location" and any(x["entity"] == "location" for x in added):
                continue
            taken.append((start, end))
            added.append(
                {"entity": kind, "value": value, "start": start, "end": end, "extractor": "fuzzy",
                 "confidence_entity": round(score, 3)}
            )  # fmt: skip
        return sorted(added, key=lambda x: int(x["start"]))


def _aligned(phrase: str, spelling: str) -> bool:
    """Whether a phrase close to a spelling as a whole is also close word by word (both folded).

    The whole-phrase ratio alone takes »i help« for »it help« and »looking« for »cooking«. So:
    with as many words on both sides, short words (under 4 letters) must be equal and longer ones
    alike and starting alike (typos rarely hit the first letter; æ/e and ø/o start as vowels);
    with a different number of words (»dansk undervisnig« / »danskundervisning«), every word of the
    phrase must be 4 letters or more, so a short word is never glued on to make a match.
    """
    words, targets = phrase.split(), spelling.split()
    if len(words) != len(targets):
        return all(len(word) >= 4 for word in words)
    for word, target in zip(words, targets, strict=True):
        if word == target:
            continue
        if min(len(word), len(target)) < 4:
            return False
        vowels = "aeiouy"
        if word[0] != target[0] and not (word[0] in vowels and target[0] in vowels):
            return False
        if _ratio(word, target) < TERM_CUTOFF:
            return False
    return True


def _span(entity: Mapping[str, Any]) -> tuple[int, int]:
    start, end = entity.get("start"), entity.get("end")
    if isinstance(start, int) and isinstance(end, int):
        return start, end
    return 0, 0


def _surface(entity: Mapping[str, Any], text: str) -> str:
    start, end = _span(entity)
    return text[start:end] if 0 <= start < end <= len(text) else ""


def _ratio(a: str, b: str) -> float:
    """The similarity `closest_key` ranks by, for two folded texts."""
    return difflib.SequenceMatcher(None, a, b).ratio()
