"""The municipalities we serve, their towns and contacts, from `data/municipalities.yaml`.

Reference data that changes with a deployment, not with users: loaded once at start-up and kept in
memory (the `municipality` table mirrors the slugs so other tables can refer to them).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from bot.i18n import t


@dataclass(frozen=True)
class Town:
    name: str
    municipality: str
    latitude: float
    longitude: float
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    name: str
    title: str
    email: str
    phone: str
    hours: dict[str, str] = field(default_factory=dict)


#: The legal and administrative words a municipality decides itself (`terms:` in
#: `data/municipalities.yaml`), used as placeholders in the catalogs ("📝 {grant_menu}"): Danish
#: municipalities say »§ 18-tilskud« (Serviceloven) and »NemKonto«, Kommuneqarfik Sermersooq names
#: its own pool (issue 16 §2). Each has a Danish and an English text; without a municipality the
#: catalog's ``term.<name>`` is used (neutral words).
TERMS: tuple[str, ...] = (
    "grant",
    "grant_menu",
    "grant_heading",
    "pool",
    "applications",
    "applications_heading",
    "payee",
)


@dataclass(frozen=True)
class MunicipalityInfo:
    slug: str
    name: str
    code: str
    timezone: str
    languages: tuple[str, ...]
    contacts: dict[str, Contact]
    towns: tuple[Town, ...]
    #: term name (`TERMS`) → language → text.
    terms: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The municipality's volunteer award ("frivillighedspris"), its name per language; None
    #: where the municipality's policy has none (`award:` in `data/municipalities.yaml`).
    award: dict[str, str] | None = None
    #: Whether staff send consultations ("høring") to associations and citizens in chat
    #: (`consultations: true`; Sermersooq's policy: larger initiatives go to consultation early).
    consultations: bool = False

    def offers(self, feature: str) -> bool:
        """Whether this municipality's policy has `feature` ("award", "consultations"); any
        other feature is offered everywhere."""
        if feature == "award":
            return self.award is not None
        if feature == "consultations":
            return self.consultations
        return True

    def award_name(self, language: str) -> str | None:
        """The award's name in `language` (Danish otherwise), or None without an award."""
        if self.award is None:
            return None
        return self.award.get(language) or self.award.get("da") or next(iter(self.award.values()))

    def own_words(self, name: str, language: str) -> str | None:
        """An optional text of the municipality's own (``terms:`` beyond `TERMS`, such as
        ``register_note``) in `language`, Danish otherwise; None where it has none."""
        texts = self.terms.get(name)
        if not texts:
            return None
        return texts.get(language) or texts.get("da")

    def contact(self, kind: str = "volunteer") -> Contact | None:
        return self.contacts.get(kind) or self.contacts.get("volunteer")

    def contact_details(self, kind: str, language: str) -> dict[str, str] | None:
        """The fields a contact message shows (`municipality`, `name`, `title`, `email`, `phone`,
        `hours` in `language`, Danish otherwise), as plain text for the caller to escape."""
        contact = self.contact(kind)
        if contact is None:
            return None
        return {
            "municipality": self.name,
            "name": contact.name,
            "title": contact.title,
            "email": contact.email,
            "phone": contact.phone,
            "hours": contact.hours.get(language) or contact.hours.get("da", ""),
        }


def terms_for(municipality: MunicipalityInfo | None, language: str) -> dict[str, str]:
    """The catalog placeholders of `TERMS` for a user of `municipality` reading `language`
    (``{"grant": "§ 18-tilskud", …}``): the municipality's own words in that language, Danish when
    it has none in that language, and the neutral catalog words (``term.<name>``) without a
    municipality. Plain text; the caller escapes it for HTML.
    """
    found: dict[str, str] = {}
    for name in TERMS:
        texts = municipality.terms.get(name, {}) if municipality else {}
        found[name] = texts.get(language) or texts.get("da") or t(language, f"term.{name}")
    return found


def fold(text: str) -> str:
    """A key for comparing place names as people type them: no case, no accents, æøå spelled out."""
    lowered = text.strip().casefold()
    for letter, spelled in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        lowered = lowered.replace(letter, spelled)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if c.isalnum() or c == " ").strip()


def _loose(text: str) -> str:
    """A second key that also matches "Sonderborg" and "Tonder" (ø typed as o, æ as a)."""
    return fold(text).replace("oe", "o").replace("ae", "a").replace("aa", "a")


def closest(text: str, candidates: Iterable[str], *, cutoff: float, limit: int = 1) -> list[str]:
    """The candidates that look most like `text` as people type it, best first.

    The one fuzzy matcher of the bot: both sides are compared as `fold` keys (no case, accents or
    æøå spelling differences) with `difflib`'s similarity ratio (2·matches / total length, 0–1), and
    only candidates at or above `cutoff` are returned (at most `limit`). The place step uses it for
    »mente du …?« (cutoff 0.5, shown to the user to confirm); free text uses it with a stricter
    cutoff because nobody confirms there (see nlu/fuzzy.py).
    """
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(fold(candidate), candidate)
    return [by_key[key] for key in closest_key(fold(text), by_key, cutoff=cutoff, limit=limit)]


def closest_key(key: str, keys: Iterable[str], *, cutoff: float, limit: int = 1) -> list[str]:
    """`closest` for text already folded on both sides (callers that match often fold once)."""
    return difflib.get_close_matches(key, list(keys), n=limit, cutoff=cutoff)


#: How alike a place name written in free text must be to one of ours to be taken without asking
#: (»Sønderbrog« → Sønderborg is 0.91, »Tønderr« → Tønder 0.92; »Havde« → Havdrup is 0.67).
PLACE_CUTOFF: Final = 0.8


#: The zone of a municipality with none on record: every Danish municipality's (DOMAIN.md).
DEFAULT_ZONE: Final = "Europe/Copenhagen"


class Directory:
    """Municipalities in the order users see them, with lookups for places."""

    def __init__(self, municipalities: list[MunicipalityInfo]) -> None:
        self.municipalities = {m.slug: m for m in municipalities}
        self._terms: dict[tuple[str | None, str], dict[str, str]] = {}
        self._places: dict[str, tuple[str, str]] = {}
        for municipality in municipalities:
            for town in municipality.towns:
                for name in (town.name, *town.aliases):
                    self._add_place(name, (town.name, municipality.slug))
            seat = municipality.towns[0].name if municipality.towns else municipality.name
            for name in (municipality.name, municipality.slug, municipality.name.split()[0]):
                self._places.setdefault(fold(name), (seat, municipality.slug))
                self._places.setdefault(_loose(name), (seat, municipality.slug))

    def _add_place(self, name: str, place: tuple[str, str]) -> None:
        self._places[fold(name)] = place
        self._places.setdefault(_loose(name), place)

    @classmethod
    def load(cls, data_dir: Path) -> Directory:
        raw = yaml.safe_load((data_dir / "municipalities.yaml").read_text(encoding="utf-8"))
        return cls([_municipality(item) for item in raw])

    def get(self, slug: str | None) -> MunicipalityInfo | None:
        return self.municipalities.get(slug) if slug else None

    def zone(self, slug: str | None) -> str:
        """The IANA zone of municipality `slug` (its deadlines and meetings are on that wall
        clock: DOMAIN.md, Sermersooq is in America/Nuuk); `DEFAULT_ZONE` for an unknown slug."""
        place = self.get(slug)
        return place.timezone if place else DEFAULT_ZONE

    def terms(self, slug: str | None, language: str) -> Mapping[str, str]:
        """`terms_for` the municipality `slug` (None: none chosen yet) in `language`, worked out
        once per pair: every catalog text a turn shows asks for them."""
        key = (slug if slug in self.municipalities else None, language)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = terms_for(self.get(key[0]), language)
        return found  # shared: a Mapping, so callers copy rather than change it

    def town(self, name: str) -> Town | None:
        place = self.resolve_place(name)
        if place is None:
            return None
        municipality = self.municipalities[place[1]]
        return next((t for t in municipality.towns if t.name == place[0]), None)

    def resolve_place(self, text: str) -> tuple[str, str] | None:
        """A town or municipality name as written → (canonical town, municipality slug)."""
        return self._places.get(fold(text)) or self._places.get(_loose(text))

    def closest_place(self, text: str) -> tuple[str, str] | None:
        """Like `resolve_place`, but a typo (»Sønderbrog«, »Tonderr«) still finds the town when it
        is at least `PLACE_CUTOFF` alike one of our place names (towns, aliases, municipalities)."""
        exact = self.resolve_place(text)
        if exact is not None:
            return exact
        found = closest(text, self._places, cutoff=PLACE_CUTOFF)
        return self._places[found[0]] if found else None

    def place_names(self) -> list[str]:
        """Every town, alias and municipality name we know, as in data/municipalities.yaml."""
        names: list[str] = []
        for municipality in self.municipalities.values():
            names.append(municipality.name)
            for town in municipality.towns:
                names += [town.name, *town.aliases]
        return list(dict.fromkeys(names))

    def suggest_towns(self, text: str, slug: str | None = None, limit: int = 3) -> list[str]:
        """Towns whose names look like `text` (for "did you mean …?"), best first."""
        towns = [
            town.name
            for municipality in self.municipalities.values()
            if slug is None or municipality.slug == slug
            for town in municipality.towns
        ]
        return closest(text, towns, cutoff=0.5, limit=limit)


def _municipality(item: dict[str, Any]) -> MunicipalityInfo:
    slug = str(item["slug"])
    contacts = {
        kind: Contact(
            name=str(c["name"]),
            title=str(c.get("title", "")),
            email=str(c.get("email", "")),
            phone=str(c.get("phone", "")),
            hours={str(k): str(v) for k, v in (c.get("hours") or {}).items()},
        )
        for kind, c in (item.get("contacts") or {}).items()
    }
    towns = tuple(
        Town(
            name=str(town["name"]),
            municipality=slug,
            latitude=float(town["lat"]),
            longitude=float(town["lon"]),
            aliases=tuple(str(a) for a in town.get("aliases") or ()),
        )
        for town in item.get("towns") or ()
    )
    terms = {
        str(name): {str(lang): str(text) for lang, text in texts.items()}
        for name, texts in (item.get("terms") or {}).items()
    }
    missing = [name for name in TERMS if not {"da", "en"} <= set(terms.get(name, {}))]
    if missing:
        raise ValueError(f"municipality {slug}: terms without Danish and English text: {missing}")
    return MunicipalityInfo(
        slug=slug,
        name=str(item["name"]),
        code=str(item["code"]),
        timezone=str(item["timezone"]),
        languages=tuple(item.get("languages") or ("da",)),
        contacts=contacts,
        towns=towns,
        terms=terms,
        award={str(k): str(v) for k, v in item["award"].items()} if item.get("award") else None,
        consultations=bool(item.get("consultations", False)),
    )
