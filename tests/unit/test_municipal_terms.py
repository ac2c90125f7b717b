"""The legal and administrative words come from the municipality's data (issue 16 §2): Danish
municipalities read exactly as before (»§ 18-tilskud«, »NemKonto«), Kommuneqarfik Sermersooq reads
its own pool and no Danish law, and a municipality without its words does not load."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.directory import TERMS, Directory, terms_for
from bot.i18n import catalog, t

DATA = PROJECT_ROOT / "data"
DANISH = ("sonderborg", "jammerbugt", "tonder", "solrod")
#: What Greenlanders must not read: Danish law and Danish-only systems.
DANISH_ONLY = ("§ 18", "Serviceloven", "NemKonto", "dagpenge", "kontanthjælp", "America/Nuuk")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(DATA)


def _term_keys(language: str) -> dict[str, str]:
    """Every catalog text that uses a municipal term placeholder."""
    return {
        key: text
        for key, text in catalog(language).items()
        if {name for _, name, _, _ in string.Formatter().parse(text) if name} & set(TERMS)
    }


def _render(language: str, key: str, terms: dict[str, str]) -> str:
    fields = {n for _, n, _, _ in string.Formatter().parse(catalog(language)[key]) if n}
    return t(language, key, **{**{name: f"<{name}>" for name in fields}, **terms})


#: The Danish texts before the terms moved to the data (main, 29 November 2026), word for word –
#: with the copy edits of issue 16 §3 since (»tilskuddet«, not »pengene«; »møder og arrangementer«).
BEFORE = {
    "menu.grants": "📝 Søg § 18-tilskud",
    "staff.section.grants": "📝 § 18-ansøgninger",
    "privacy.section.grant_applications": "§ 18-ansøgninger",
    "grants.saved_for_later": "Dine svar er gemt. Skriv /apply eller tryk på »📝 Søg § 18-tilskud«"
    " i menuen, når du vil fortsætte – også om flere dage.",
    "grants.reminder.draft_1d": "Husk: Ansøgningsfristen for § 18-puljen er i morgen, <deadline>."
    " Din kladde er gemt, så du kan gøre ansøgningen færdig her i chatten.",
    "grants.notify.approved": "🎉 <b>Ansøgning <reference> er bevilget</b>\nI får <amount>, som"
    " udbetales til foreningens NemKonto. Foreningen får også kommunens skriftlige afgørelse."
    " Husk at afrapportere, hvad I har brugt tilskuddet til,"
    " senest <report_due>.",
    "intent.out_of_scope": "Det kan jeg desværre ikke hjælpe med. Jeg kan hjælpe dig med at finde"
    " frivilligt arbejde, søge § 18-tilskud og holde styr på møder og arrangementer.",
}


@pytest.mark.parametrize("slug", DANISH)
def test_danish_municipalities_read_as_before(directory: Directory, slug: str) -> None:
    terms = terms_for(directory.get(slug), "da")
    for key, before in BEFORE.items():
        assert _render("da", key, terms) == before, key
    assert "<b>§ 18-ansøgninger – " in _render("da", "grants.staff.list.title", terms)
    assert "Indsendte § 18-ansøgninger gemmes" in _render(
        "da", "grants.privacy.kept_anonymised", terms
    )
    assert "📝 <b>§ 18-tilskud</b> – søg" in _render("da", "help.text", terms)


@pytest.mark.parametrize("language", ["da", "en"])
def test_sermersooq_reads_no_danish_law(directory: Directory, language: str) -> None:
    terms = terms_for(directory.get("sermersooq"), language)
    keys = _term_keys(language)
    assert {"menu.grants", "grants.notify.approved", "grants.reminder.draft_7d"} <= set(keys)
    for key in keys:
        shown = _render(language, key, terms)
        assert not [w for w in DANISH_ONLY if w in shown], (key, shown)
    assert _render("da", "menu.grants", terms_for(directory.get("sermersooq"), "da")) == (
        "📝 Søg tilskud"
    )
    approved = _render("da", "grants.notify.approved", terms_for(directory.get("sermersooq"), "da"))
    assert "foreningens, gruppens eller ansøgerens bankkonto" in approved


def test_without_a_municipality_the_words_are_neutral() -> None:
    terms = terms_for(None, "da")
    assert (
        _render("da", "onboarding.welcome", terms).count("søge tilskud til frivilligt socialt") == 1
    )
    assert not [w for w in DANISH_ONLY if w in " ".join(terms.values())]


def test_kalaallisut_readers_get_the_danish_words(directory: Directory) -> None:
    assert terms_for(directory.get("sermersooq"), "kl") == terms_for(
        directory.get("sermersooq"), "da"
    )


def test_a_municipality_without_its_words_does_not_load(tmp_path: Path) -> None:
    municipalities = yaml.safe_load((DATA / "municipalities.yaml").read_text(encoding="utf-8"))
    del municipalities[0]["terms"]["payee"]["en"]
    (tmp_path / "municipalities.yaml").write_text(
        yaml.safe_dump(municipalities, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"sermersooq.*payee"):
        Directory.load(tmp_path)
