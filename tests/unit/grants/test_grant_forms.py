"""The form walker over the five real forms: order, conditions, going back, progress."""

from __future__ import annotations

import itertools
import json

import pytest
from grant_samples import SLUGS, sample_input

from bot.grants.fields import JsonValue, parse_answer
from bot.grants.forms import FormWalker
from bot.grants.schemes import GrantScheme


def _fill(scheme: GrantScheme, overrides: dict[str, str] | None = None) -> dict[str, JsonValue]:
    """Answer the form front to back like a chair would, returning the stored answers."""
    walker = FormWalker(scheme)
    answers: dict[str, JsonValue] = {}
    spec = walker.first_field(answers)
    while spec is not None:
        raw = (overrides or {}).get(spec.key, sample_input(spec))
        result = parse_answer(spec, raw, exclusions=scheme.exclusions)
        assert result.ok, (scheme.slug, spec.key, result.error)
        answers = walker.set_answer(answers, spec.key, result.value)
        spec = walker.next_field(answers, spec.key)
    return answers


@pytest.mark.parametrize("slug", SLUGS)
def test_a_complete_walk_leaves_nothing_missing(schemes: dict[str, GrantScheme], slug: str) -> None:
    scheme = schemes[slug]
    walker = FormWalker(scheme)
    answers = _fill(scheme)
    assert walker.missing_required(answers) == []
    assert walker.first_unanswered(answers) is None
    assert json.loads(json.dumps(answers)) == answers


@pytest.mark.parametrize("slug", SLUGS)
def test_back_and_next_are_symmetric(schemes: dict[str, GrantScheme], slug: str) -> None:
    walker = FormWalker(schemes[slug])
    answers = _fill(schemes[slug])
    visible = walker.visible_fields(answers)
    for earlier, later in itertools.pairwise(visible):
        next_spec = walker.next_field(answers, earlier.key)
        previous_spec = walker.previous_field(answers, later.key)
        assert next_spec is not None and next_spec.key == later.key
        assert previous_spec is not None and previous_spec.key == earlier.key
    assert walker.previous_field(answers, visible[0].key) is None
    assert walker.next_field(answers, visible[-1].key) is None


def test_sermersooq_without_cvr_skips_cvr_and_statutes(schemes: dict[str, GrantScheme]) -> None:
    scheme = schemes["sermersooq"]
    walker = FormWalker(scheme)
    with_cvr = _fill(scheme, {"has_cvr": "ja"})
    without = _fill(scheme, {"has_cvr": "nej"})
    assert "cvr" in with_cvr and "statutes" in with_cvr
    assert "cvr" not in without and "statutes" not in without
    after_name = walker.next_field(without, "applicant_name")
    assert after_name is not None and after_name.key == "contact_name"
    back = walker.previous_field(without, "contact_name")
    assert back is not None and back.key == "applicant_name"
    assert walker.progress(without, "contact_name") == (3, len(walker.visible_fields(without)))
    assert walker.progress(with_cvr, "contact_name") == (4, len(walker.visible_fields(with_cvr)))
    assert len(walker.visible_fields(with_cvr)) == len(walker.visible_fields(without)) + 2


def test_editing_an_answer_drops_answers_that_become_hidden(
    schemes: dict[str, GrantScheme],
) -> None:
    scheme = schemes["sermersooq"]
    walker = FormWalker(scheme)
    answers = _fill(scheme, {"has_cvr": "ja", "kind": "aktivitetstilskud"})
    assert {"cvr", "statutes", "period"} <= answers.keys()
    edited = walker.set_answer(answers, "has_cvr", False)
    assert "cvr" not in edited and "statutes" not in edited
    assert edited["applicant_name"] == answers["applicant_name"]
    assert "cvr" in answers  # the caller's dict is not modified
    # Switching back shows the CVR question again, unanswered.
    again = walker.set_answer(edited, "has_cvr", True)
    assert walker.first_unanswered(again) == scheme.field("cvr")
    assert [f.key for f in walker.missing_required(again)] == ["cvr", "statutes"]


def test_in_and_not_equals_conditions(schemes: dict[str, GrantScheme]) -> None:
    tonder = schemes["tonder"]
    walker = FormWalker(tonder)
    course = walker.visible_fields({"kind": "uddannelse"})
    operating = walker.visible_fields({"kind": "driftstilskud"})
    assert {"course", "period"} <= {f.key for f in course}
    assert "activity" not in {f.key for f in course}
    assert "activity" in {f.key for f in operating}
    assert {"course", "period"}.isdisjoint({f.key for f in operating})
    solrod = FormWalker(schemes["solrod"])
    network = {f.key for f in solrod.visible_fields({"organisation_type": "netvaerk"})}
    club = {f.key for f in solrod.visible_fields({"organisation_type": "idraet_fritid"})}
    assert "cvr" not in network and "accounts" not in network
    assert {"cvr", "accounts"} <= club


def test_unanswered_controlling_field_hides_its_dependants(
    schemes: dict[str, GrantScheme],
) -> None:
    walker = FormWalker(schemes["jammerbugt"])
    assert "cooperation_details" not in {f.key for f in walker.visible_fields({})}
    shown = walker.visible_fields({"cooperation": True})
    assert "cooperation_details" in {f.key for f in shown}


def test_progress_counts_only_visible_fields(schemes: dict[str, GrantScheme]) -> None:
    walker = FormWalker(schemes["sonderborg"])
    operating = {"kind": "driftstilskud"}
    activity = {"kind": "aktivitetstilskud"}
    assert walker.progress(operating, "association_name") == (1, 18)
    assert walker.progress(activity, "association_name") == (1, 20)
    assert walker.progress(activity, "honour") == (20, 20)
    with pytest.raises(KeyError):
        walker.progress(operating, "activity")


def test_unknown_field_key_is_a_loud_error(schemes: dict[str, GrantScheme]) -> None:
    walker = FormWalker(schemes["solrod"])
    with pytest.raises(KeyError, match="no field 'cpr'"):
        walker.next_field({}, "cpr")
