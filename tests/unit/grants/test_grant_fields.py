"""Answers per field type: stored values are JSON, errors say precisely what is expected."""

from __future__ import annotations

import json

from bot.grants.fields import (
    Attachment,
    FieldResult,
    Message,
    budget_total,
    format_amount,
    parse_answer,
    remove_budget_line,
    skip,
    toggle_choice,
)
from bot.grants.schemes import GrantScheme


def _da(result: FieldResult) -> str:
    assert result.error is not None, result
    return result.error.render("da")


def test_amounts_show_ore_only_when_there_are_some() -> None:
    """STYLE.md writes »4.500 kr.«: whole kroner without »,00«, øre kept when there are some."""
    assert format_amount(6_000_000, "da") == "60.000 kr."
    assert format_amount(450_050, "da") == "4.500,50 kr."
    assert format_amount(-500, "da") == "-5 kr."
    assert format_amount(6_000_000, "kl") == "60.000 kr."
    assert format_amount(6_000_000, "en") == "DKK 60,000"
    assert format_amount(1_250, "en") == "DKK 12.50"


def test_every_stored_value_is_json(schemes: dict[str, GrantScheme]) -> None:
    from grant_samples import sample_input

    for scheme in schemes.values():
        for spec in scheme.form:
            result = parse_answer(spec, sample_input(spec))
            assert result.ok, (scheme.slug, spec.key, result.error)
            assert json.loads(json.dumps(result.value)) == result.value


def test_amount_is_stored_in_ore_and_bounded(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("amount_applied")
    assert parse_answer(spec, "12.500,50 kr").value == 1_250_050
    assert parse_answer(spec, "12500").value == 1_250_000
    # Amounts end in "kr.", so the sentence must not add a second full stop.
    assert _da(parse_answer(spec, "60.000 kr")) == (
        "Du har skrevet 60.000 kr., men I kan højst søge 50.000 kr."
    )
    too_much = parse_answer(spec, "60000").error
    assert too_much is not None
    assert too_much.render("en") == (
        "You wrote DKK 60,000, but you can apply for at most DKK 50,000."
    )
    assert _da(parse_answer(spec, "en del")) == "Skriv et beløb, fx 12.500 kr."


def test_overlong_text_says_how_long_and_the_limit(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("purpose")  # max_length 1000
    assert _da(parse_answer(spec, "x" * 1250)) == "Teksten er 1.250 tegn. Der er plads til 1.000."
    english = parse_answer(spec, "x" * 1250).error
    assert english is not None
    assert english.render("en") == "The text is 1,250 characters. There is room for 1,000."


def test_cvr_checksum_error_quotes_the_number(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("cvr")
    assert parse_answer(spec, "DK12345674").value == "12345674"
    assert "12345678 er ikke et gyldigt CVR-nummer" in _da(parse_answer(spec, "12345678"))


def test_choice_by_key_or_label_in_any_case(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("kind")
    assert parse_answer(spec, "aktivitetstilskud").value == "aktivitetstilskud"
    assert parse_answer(spec, "driftstilskud").value == "driftstilskud"
    assert parse_answer(spec, "TILSKUD TIL EN AKTIVITET").value == "aktivitetstilskud"
    assert parse_answer(spec, "operating grant").value == "driftstilskud"
    error = _da(parse_answer(spec, "penge"))
    assert "penge" in error
    # Each option as the button it is, in quotes (issue 16, reader 2).
    assert "Vælg »Driftstilskud« eller »Tilskud til en aktivitet«." in error


def test_multi_choice_from_text_and_from_toggles(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("target_group")
    # Stored in the form's order, whatever order the user typed.
    assert parse_answer(spec, "ensomme, Børn og unge").value == ["born_unge", "ensomme"]
    assert parse_answer(spec, "ældre og ensomme").value == ["aeldre", "ensomme"]
    selected = toggle_choice(spec, [], "ensomme")
    selected = toggle_choice(spec, selected, "aeldre")
    assert selected == ["aeldre", "ensomme"]
    assert toggle_choice(spec, selected, "ensomme") == ["aeldre"]
    assert parse_answer(spec, ["aeldre"]).value == ["aeldre"]
    required = "Du skal svare på det her spørgsmål, før du kan gå videre."
    assert _da(parse_answer(spec, [])) == required
    assert "katte" in _da(parse_answer(spec, "ældre, katte"))


def test_yes_no_and_the_declaration_on_honour(schemes: dict[str, GrantScheme]) -> None:
    has_cvr = schemes["sermersooq"].field("has_cvr")
    assert parse_answer(has_cvr, "j").value is True
    assert parse_answer(has_cvr, "Nej").value is False
    assert _da(parse_answer(has_cvr, "måske")) == "Svar ja eller nej."
    honour = schemes["sermersooq"].field("honour")
    assert parse_answer(honour, "ja").value is True
    assert "kun sendes, hvis du kan svare ja" in _da(parse_answer(honour, "nej"))


def test_date_and_range_are_stored_as_iso(schemes: dict[str, GrantScheme]) -> None:
    start = schemes["jammerbugt"].field("activity_start")
    assert parse_answer(start, "15.03.2027").value == "2027-03-15"
    period = schemes["tonder"].field("period")
    assert parse_answer(period, "1.4.2027-30.6.2027").value == {
        "start": "2027-04-01",
        "end": "2027-06-30",
    }
    assert "Slutdatoen ligger før startdatoen" in _da(parse_answer(period, "30.6.2027-1.4.2027"))


def test_phone_and_integer_bounds(schemes: dict[str, GrantScheme]) -> None:
    assert parse_answer(schemes["sermersooq"].field("phone"), "32 10 00").value == "+299321000"
    volunteers = schemes["sonderborg"].field("volunteers")
    assert parse_answer(volunteers, "12").value == 12
    assert _da(parse_answer(volunteers, "0")) == "Du har skrevet 0, men tallet skal være mindst 1."


def test_attachment_too_large_states_sizes(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("statutes")  # max 10 MB
    big = Attachment("f1", "vedtaegter.pdf", "application/pdf", 25_300_000)
    assert _da(parse_answer(spec, big)) == "Filen er 25,3 MB. Den må højst være 10 MB."
    just_over = Attachment("f1", "vedtaegter.pdf", "application/pdf", 10_000_001)
    assert _da(parse_answer(spec, just_over)) == "Filen er 10,1 MB. Den må højst være 10 MB."


def test_attachment_of_wrong_type_lists_what_is_accepted(schemes: dict[str, GrantScheme]) -> None:
    spec = schemes["sonderborg"].field("statutes")
    zip_file = Attachment("f2", "vedtaegter.zip", "application/zip", 1000)
    assert _da(parse_answer(spec, zip_file)) == "Send filen som PDF, Word eller billede."
    photo = Attachment("f3", "IMG_0001.jpg", "image/jpeg", 2_000_000)
    assert parse_answer(spec, photo).value == {
        "file_id": "f3",
        "file_name": "IMG_0001.jpg",
        "mime_type": "image/jpeg",
        "size": 2_000_000,
    }
    # Telegram sometimes sends no MIME type; the file name decides then.
    unnamed = Attachment("f4", "regnskab.pdf", "", 5000)
    assert parse_answer(spec, unnamed).ok
    assert not parse_answer(spec, "her er filen").ok


def test_budget_lines_accumulate_with_a_running_total(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["sonderborg"]
    spec = scheme.field("budget")
    first = parse_answer(spec, "Leje af bus: 4.500 kr", exclusions=scheme.exclusions)
    second = parse_answer(spec, "Entré til museum 1200", current=first.value)
    third = parse_answer(spec, "Tur for 12 børn 1.500 kr", current=second.value)
    assert third.value == [
        {"text": "Leje af bus", "amount": 450_000},
        {"text": "Entré til museum", "amount": 120_000},
        {"text": "Tur for 12 børn", "amount": 150_000},
    ]
    assert budget_total(third.value) == 720_000
    assert remove_budget_line(third.value, 1) == [
        {"text": "Leje af bus", "amount": 450_000},
        {"text": "Tur for 12 børn", "amount": 150_000},
    ]
    assert first.warnings == ()
    assert "fx »Leje af bus: 4.500 kr.«" in _da(parse_answer(spec, "bus"))


def test_excluded_budget_line_warns_but_is_kept(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["sonderborg"]
    spec = scheme.field("budget")
    result = parse_answer(spec, "Løn til kok: 3.000 kr", exclusions=scheme.exclusions)
    assert result.ok
    assert result.value == [{"text": "Løn til kok", "amount": 300_000}]
    assert [w.render("da") for w in result.warnings] == [
        "Bemærk: »Løn til kok« ligner løn og honorarer, som puljen normalt ikke giver tilskud "
        "til. Du kan godt tage linjen med, men den bliver måske ikke dækket."
    ]
    rent = parse_answer(spec, "Husleje 2000", exclusions=scheme.exclusions)
    assert [w.params["line"] for w in rent.warnings] == ["Husleje"]
    # "Lønsom" is not wages, but "Bus" must not trigger anything either.
    assert parse_answer(spec, "Bus 900", exclusions=scheme.exclusions).warnings == ()


def test_skip_only_optional_fields(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["sonderborg"]
    assert skip(scheme.field("other_funding")) == FieldResult(value=None)
    assert skip(scheme.field("cvr")).error == Message("grants.error.required")
