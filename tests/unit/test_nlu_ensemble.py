"""The ensemble of Rasa's intent ranking with the linear model (nlu/ensemble.py, issue 17 §2):
a weighted average of two distributions, where Rasa's "unsure" (nlu_fallback) is no intent."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from nlu.ensemble import (
    RASA_WEIGHT,
    choose_weight,
    combine,
    rasa_distribution,
    rerank,
    training_examples,
)


def ranking(**confidences: float) -> list[dict[str, object]]:
    return [{"name": name, "confidence": c} for name, c in confidences.items()]


def test_the_weight_is_fixed_at_an_even_split() -> None:
    assert RASA_WEIGHT == 0.5


def test_the_linear_model_can_overrule_a_narrow_rasa_guess() -> None:
    # "I have a car and could drive older people to the doctor" -> Rasa says goodbye, narrowly.
    rasa = ranking(goodbye=0.40, find_opportunity=0.35, thanks=0.25)
    linear = {"find_opportunity": 0.80, "goodbye": 0.05, "thanks": 0.15}
    best, score = combine(rasa, linear)[0]
    assert best == "find_opportunity"
    assert score == pytest.approx(0.5 * 0.35 + 0.5 * 0.80)


def test_a_confident_rasa_keeps_its_answer_against_a_lukewarm_linear_model() -> None:
    rasa = ranking(volunteer_faq=0.95, find_opportunity=0.05)
    linear = {"find_opportunity": 0.55, "volunteer_faq": 0.45}
    assert combine(rasa, linear)[0][0] == "volunteer_faq"


def test_scores_are_a_distribution_best_first() -> None:
    rasa = ranking(greet=0.6, thanks=0.4)
    linear = {"greet": 0.2, "thanks": 0.3, "goodbye": 0.5}
    ranked = combine(rasa, linear)
    assert [name for name, _ in ranked] == ["greet", "thanks", "goodbye"]  # 0.40, 0.35, 0.25
    assert sum(score for _, score in ranked) == pytest.approx(1.0)
    assert dict(ranked)["goodbye"] == pytest.approx(0.25)  # Rasa did not list it: counts as 0


def test_nlu_fallback_is_not_an_intent_and_the_rest_is_renormalised() -> None:
    rasa = ranking(nlu_fallback=0.6, greet=0.3, thanks=0.1)
    assert rasa_distribution(rasa) == pytest.approx({"greet": 0.75, "thanks": 0.25})
    assert "nlu_fallback" not in dict(combine(rasa, {"greet": 1.0}))


def test_one_side_missing_lets_the_other_decide() -> None:
    assert combine([], {"greet": 0.7, "thanks": 0.3})[0] == ("greet", pytest.approx(0.7))
    assert combine(ranking(thanks=0.9, greet=0.1), {})[0] == ("thanks", pytest.approx(0.9))
    assert combine(None, {}) == []


def test_malformed_ranking_items_are_skipped() -> None:
    rasa = [
        "greet",
        {"name": 3, "confidence": 0.5},
        {"name": "thanks", "confidence": "high"},
        {"name": "deny", "confidence": True},
        {"name": "help", "confidence": -0.2},
        {"name": "affirm", "confidence": 0.2},
        {"name": "affirm", "confidence": 0.4},  # listed twice: the higher counts
    ]
    assert rasa_distribution(rasa) == {"affirm": 1.0}


def test_ties_are_broken_by_name_so_the_answer_is_stable() -> None:
    ranked = combine(ranking(thanks=0.5, greet=0.5), {"thanks": 0.5, "greet": 0.5})
    assert [name for name, _ in ranked] == ["greet", "thanks"]


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_a_weight_outside_zero_to_one_is_refused(weight: float) -> None:
    with pytest.raises(ValueError, match="rasa_weight"):
        combine(ranking(greet=1.0), {"greet": 1.0}, rasa_weight=weight)


def test_weight_one_is_rasa_alone_and_zero_the_linear_model_alone() -> None:
    rasa = ranking(greet=0.6, thanks=0.4)
    linear = {"thanks": 0.9, "greet": 0.1}
    assert combine(rasa, linear, rasa_weight=1.0)[0][0] == "greet"
    assert combine(rasa, linear, rasa_weight=0.0)[0][0] == "thanks"


def test_the_chosen_weight_trusts_the_model_that_is_right_more_often() -> None:
    # Rasa is sure and wrong twice; the linear model is right all three times.
    examples = [
        (ranking(goodbye=0.9, find_opportunity=0.1), {"find_opportunity": 0.7, "goodbye": 0.3},
         "find_opportunity"),
        (ranking(greet=0.8, volunteer_faq=0.2), {"volunteer_faq": 0.6, "greet": 0.4},
         "volunteer_faq"),
        (ranking(thanks=0.9, greet=0.1), {"thanks": 0.8, "greet": 0.2}, "thanks"),
    ]  # fmt: skip
    weight = choose_weight(examples)
    assert weight < RASA_WEIGHT
    assert all(combine(r, lin, weight)[0][0] == gold for r, lin, gold in examples)
    flipped = [(ranking(**{gold: 0.9, "other": 0.1}), {"other": 0.95, gold: 0.05}, gold)
               for _, _, gold in examples]  # fmt: skip
    assert choose_weight(flipped) > RASA_WEIGHT


def test_when_every_weight_scores_alike_the_even_split_stays() -> None:
    assert choose_weight([(ranking(greet=1.0), {"greet": 1.0}, "greet")]) == RASA_WEIGHT


def test_choosing_a_weight_needs_examples() -> None:
    with pytest.raises(ValueError, match="at least one"):
        choose_weight([])


def test_training_examples_read_rasa_files_without_rasa(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "  - intent: find_opportunity\n"
        "    examples: |\n"
        "      - jeg vil hjælpe [ældre](area:elderly) i [weekenden](availability)\n"
        '      - besøge [nogen]{"entity": "activity", "value": "visiting"} i [Nordborg](location)\n'
        "  - synonym: elderly\n"
        "    examples: |\n"
        "      - ældre\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        'version: "3.1"\nrules: []\nnlu:\n  - intent: greet\n    examples: |\n      - hej\n',
        encoding="utf-8",
    )
    assert training_examples(tmp_path) == [
        ("jeg vil hjælpe ældre i weekenden", "find_opportunity"),
        ("besøge nogen i Nordborg", "find_opportunity"),
        ("hej", "greet"),
    ]


def test_the_real_training_data_has_every_domain_intent_and_no_annotations() -> None:
    examples = training_examples(PROJECT_ROOT / "nlu" / "data")
    domain = yaml.safe_load((PROJECT_ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))
    assert {intent for _, intent in examples} == set(domain["intents"])
    assert not [text for text, _ in examples if "](" in text or "]{" in text]


def test_rerank_gives_rasas_ranking_shape_best_first_and_cut() -> None:
    rasa = ranking(greet=0.6, thanks=0.3, goodbye=0.1)
    linear = {"greet": 0.2, "thanks": 0.7, "goodbye": 0.1}
    ranked = rerank(rasa, linear, rasa_weight=0.5, ranking_length=2)
    assert ranked == [
        {"name": "thanks", "confidence": pytest.approx(0.5)},
        {"name": "greet", "confidence": pytest.approx(0.4)},
    ]  # not renormalised after the cut: the first is the score the thresholds compare
    assert len(rerank(rasa, linear, ranking_length=0)) == 3


def test_rerank_without_anything_usable_is_empty() -> None:
    assert rerank(None, {}) == []


def test_the_evaluation_counts_unsure_at_the_bots_own_threshold() -> None:
    from bot.config import Settings

    spec = importlib.util.spec_from_file_location(
        "evaluate", PROJECT_ROOT / "nlu" / "scripts" / "evaluate.py"
    )
    assert spec is not None and spec.loader is not None
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)  # imports no Rasa at module level
    assert Settings.model_fields["nlu_confidence_threshold"].default == evaluate.BOT_THRESHOLD


def test_the_pipeline_runs_the_ensemble_after_diet_and_before_the_fallback() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "nlu" / "config.yml").read_text(encoding="utf-8"))
    names = [step["name"] for step in config["pipeline"]]
    component = "nlu.components.linear_intents.LinearIntentEnsemble"
    position = names.index(component)
    assert names.index("DIETClassifier") < position < names.index("FallbackClassifier")
    assert position < names.index("EntitySynonymMapper")


def _script(name: str) -> object:
    spec = importlib.util.spec_from_file_location(
        name, PROJECT_ROOT / "nlu" / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports no Rasa at module level
    return module


def test_the_weight_replay_reads_the_pipelines_own_settings() -> None:
    replay: Any = _script("choose_weight")
    component, fallback = replay.pipeline_settings(PROJECT_ROOT / "nlu" / "config.yml")
    assert 0 <= component["rasa_weight"] <= 1
    assert component["vector_scale"] > 0  # the sentence vectors are switched on
    assert (fallback["threshold"], fallback["ambiguity_threshold"]) == (0.4, 0.05)


@pytest.mark.parametrize(
    ("scores", "unsure"),
    [
        ((0.9, 0.05), False),
        ((0.39, 0.2), True),  # under the FallbackClassifier's and the client's 0.4
        ((0.5, 0.46), True),  # the two best within 0.05: ambiguous
        ((), True),  # nothing ranked
    ],
)
def test_the_replay_treats_answers_as_unsure_as_rasa_and_the_client_do(
    scores: tuple[float, ...], unsure: bool
) -> None:
    replay: Any = _script("choose_weight")
    ranked = [{"name": f"i{n}", "confidence": c} for n, c in enumerate(scores)]
    assert replay.is_unsure(ranked, 0.4, 0.05) is unsure
