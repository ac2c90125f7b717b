"""The five schemes load, differ where the policies differ, and broken files fail loudly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from grant_samples import DATA_DIR, SLUGS

from bot.grants.schemes import FieldType, GrantScheme, SchemeError, load_scheme


def test_all_five_schemes_load(schemes: dict[str, GrantScheme]) -> None:
    assert sorted(schemes) == sorted(SLUGS)


@pytest.mark.parametrize(
    ("slug", "deadlines"),
    [
        ("sermersooq", [date(2027, 2, 1)]),
        ("sonderborg", [date(2027, 3, 1)]),
        ("jammerbugt", [date(2027, 4, 1)]),
        ("tonder", [date(2027, 3, 1), date(2027, 9, 1)]),
        ("solrod", []),
    ],
)
def test_deadlines(schemes: dict[str, GrantScheme], slug: str, deadlines: list[date]) -> None:
    scheme = schemes[slug]
    assert [r.deadline for r in scheme.rounds] == deadlines
    assert scheme.open_all_year is (slug == "solrod")


def test_tonder_autumn_round_is_open_after_the_spring_deadline(
    schemes: dict[str, GrantScheme],
) -> None:
    tonder = schemes["tonder"]
    spring = tonder.open_round(date(2027, 2, 1))
    autumn = tonder.open_round(date(2027, 3, 2))
    assert spring is not None and spring.key == "2027-spring"
    assert autumn is not None and autumn.key == "2027-autumn"
    assert not tonder.accepts_applications(date(2027, 9, 2))
    assert schemes["solrod"].accepts_applications(date(2031, 12, 24))


def test_forms_have_12_to_20_fields_and_a_budget(schemes: dict[str, GrantScheme]) -> None:
    for scheme in schemes.values():
        assert 12 <= len(scheme.form) <= 20, scheme.slug
        assert any(f.type is FieldType.BUDGET_LINES for f in scheme.form), scheme.slug


def test_every_field_type_is_used_somewhere(schemes: dict[str, GrantScheme]) -> None:
    used = {f.type for scheme in schemes.values() for f in scheme.form}
    assert used == set(FieldType)


def test_amount_limit_matches_scheme_maximum(schemes: dict[str, GrantScheme]) -> None:
    for scheme in schemes.values():
        assert scheme.field(scheme.amount_field).max == scheme.max_amount, scheme.slug


def test_kind_choices_match_the_schemes_kinds(schemes: dict[str, GrantScheme]) -> None:
    for scheme in schemes.values():
        kind_keys = [k.key for k in scheme.kinds]
        assert [c.key for c in scheme.field("kind").choices] == kind_keys, scheme.slug


def test_policy_differences(schemes: dict[str, GrantScheme]) -> None:
    sermersooq_cvr = schemes["sermersooq"].field("cvr").show_if
    assert sermersooq_cvr is not None and sermersooq_cvr.field == "has_cvr"
    assert schemes["sermersooq"].field("has_cvr").label.get("da") == (
        "Søger I som forening med CVR-nummer?"
    )
    assert schemes["sonderborg"].field("cvr").show_if is None
    assert schemes["jammerbugt"].field("cooperation").type is FieldType.YES_NO
    assert "sigte" in schemes["solrod"].field("social_purpose").label.get("da")
    assert {q.key for q in schemes["solrod"].eligibility} >= {"sports_club", "not_core_task"}


def test_kalaallisut_falls_back_to_danish(schemes: dict[str, GrantScheme]) -> None:
    name = schemes["sermersooq"].name
    assert name.get("kl") == name.get("da")
    assert name.get("en") != name.get("da")


def _write(tmp_path: Path, data: object, slug: str = "sonderborg") -> Path:
    path = tmp_path / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _raw(slug: str = "sonderborg") -> dict[str, object]:
    loaded = yaml.safe_load((DATA_DIR / f"{slug}.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_unknown_field_type_names_file_and_field(tmp_path: Path) -> None:
    raw = _raw()
    form = raw["form"]
    assert isinstance(form, list)
    form[1]["type"] = "cpr"
    path = _write(tmp_path, raw)
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    message = str(caught.value)
    assert str(path) in message
    assert "form[1] (key 'cvr').type" in message


def test_condition_on_a_later_field_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    form = raw["form"]
    assert isinstance(form, list)
    form[0]["show_if"] = {"field": "kind", "equals": "driftstilskud"}
    with pytest.raises(SchemeError, match="not an earlier field"):
        load_scheme(_write(tmp_path, raw))


def test_condition_with_an_impossible_value_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    form = raw["form"]
    assert isinstance(form, list)
    activity = next(f for f in form if f["key"] == "activity")
    activity["show_if"] = {"field": "kind", "equals": "aktivitet"}  # typo for aktivitetstilskud
    with pytest.raises(SchemeError, match="no choice of 'kind'"):
        load_scheme(_write(tmp_path, raw))


def test_missing_english_label_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    form = raw["form"]
    assert isinstance(form, list)
    form[0]["label"] = {"da": "Foreningens navn"}
    with pytest.raises(SchemeError, match="missing text in en"):
        load_scheme(_write(tmp_path, raw))


def test_attachment_limit_above_telegram_download_limit_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    form = raw["form"]
    assert isinstance(form, list)
    next(f for f in form if f["key"] == "statutes")["max_bytes"] = 50_000_000
    with pytest.raises(SchemeError, match="max_bytes"):
        load_scheme(_write(tmp_path, raw))


def test_scheme_without_rounds_or_open_all_year_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    raw["rounds"] = []
    with pytest.raises(SchemeError, match="rounds or open_all_year"):
        load_scheme(_write(tmp_path, raw))


def test_scheme_missing_an_eligibility_criterion_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    eligibility = raw["eligibility"]
    assert isinstance(eligibility, list)
    raw["eligibility"] = [q for q in eligibility if q["key"] != "unpaid"]
    with pytest.raises(SchemeError, match="unpaid"):
        load_scheme(_write(tmp_path, raw))


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "solrod.yaml"
    path.write_text("slug: solrod\nform: [\n", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"solrod\.yaml: cannot read YAML"):
        load_scheme(path)
