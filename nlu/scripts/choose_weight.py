"""Choose the ensemble's ``rasa_weight`` again: DIET's rankings replayed against a linear member.

Since 30 November the committed weight is chosen out of fold (``oof_weight.py``): heldout + typos
no longer tell weights apart. This script still shows what each held-out set gets at each weight,
and for DIET alone and the linear member alone, with one parse per text.

Run from the repo root with the Rasa environment, after ``train.py``:

    .venv-rasa/bin/python nlu/scripts/choose_weight.py [--c 30] [--class-weight balanced]
        [--vector-scale 2]

The trained model's ensemble component keeps DIET's own ranking of every message aside
(``diet_intent_ranking``); this script parses each held-out text once with the model, takes that
ranking, trains the linear member with the given settings (default: the component's in
nlu/config.yml) on nlu/data, and combines the two exactly as the component does
(``nlu.ensemble.rerank``), for every weight in ``nlu.ensemble.WEIGHT_GRID``. Rasa's entity side is
not touched, so this costs one parse per text instead of one training per setting.

The weight is chosen with ``nlu.ensemble.choose_weight`` on ``heldout`` + ``typos`` only (issue 17:
the ``indirect`` set is a yardstick, never tuned on); the ``indirect`` figures are printed after the
choice, at the chosen weight only. Output, one ``name=value`` line each: right answers per set for
DIET alone, the linear member alone and the pipeline at the chosen weight, the chosen weight, and
how many answers the bot would treat as UNSURE (the FallbackClassifier's thresholds from
nlu/config.yml and the bot's ``NLU_CONFIDENCE_THRESHOLD``), of them right.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import yaml

NLU = Path(__file__).resolve().parent.parent
REPO = NLU.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(NLU / "scripts"))

import evaluate  # noqa: E402  (the sibling script: held-out sets, model path, bot threshold)

COMPONENT = "nlu.components.linear_intents.LinearIntentEnsemble"
CALIBRATION = ("heldout", "typos")


def pipeline_settings(config: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ensemble component's settings, the FallbackClassifier's) from nlu/config.yml."""
    steps = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    by_name = {step["name"]: step for step in steps}
    return by_name.get(COMPONENT, {}), by_name.get("FallbackClassifier", {})


def is_unsure(ranking: list[dict[str, Any]], threshold: float, ambiguity: float) -> bool:
    """Whether the bot treats this ranking as UNSURE: Rasa's FallbackClassifier (top score under
    ``threshold`` or the top two within ``ambiguity``) or the client's own threshold."""
    if not ranking:
        return True
    top = float(ranking[0]["confidence"])
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    return top < threshold or top - second < ambiguity or top < evaluate.BOT_THRESHOLD


async def diet_rankings(agent: Any, texts: list[str]) -> list[Any]:
    """DIET's ranking of each text, as the loaded model's ensemble component kept it aside.
    Raises ``SystemExit`` when the model has no such component (trained without it)."""
    from rasa.core.channels.channel import UserMessage

    from nlu.components.linear_intents import DIET_RANKING

    assert agent.processor is not None
    out = []
    for text in texts:
        parsed = await agent.processor.parse_message(
            UserMessage(text), only_output_properties=False
        )
        if DIET_RANKING not in parsed:
            raise SystemExit(f"the model keeps no {DIET_RANKING}: train it with the component")
        out.append(parsed[DIET_RANKING])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=evaluate.DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=evaluate.DEFAULT_DATA)
    parser.add_argument("--config", type=Path, default=NLU / "config.yml")
    parser.add_argument("--c", type=float, help="LogisticRegression's C (default: config.yml's)")
    parser.add_argument("--class-weight", choices=("none", "balanced"))
    parser.add_argument("--vector-scale", type=float)
    args = parser.parse_args()
    evaluate.quiet_rasa_logs()

    from nlu.ensemble import (
        WEIGHT_GRID,
        choose_weight,
        count_right,
        rerank,
        train_linear,
        training_examples,
    )

    component, fallback = pipeline_settings(args.config)
    c = args.c if args.c is not None else float(component.get("c", 10.0))
    weights = args.class_weight or component.get("class_weight") or "none"
    scale = (
        args.vector_scale
        if args.vector_scale is not None
        else float(component.get("vector_scale", 0.0))
    )
    threshold = float(fallback.get("threshold", 0.3))
    ambiguity = float(fallback.get("ambiguity_threshold", 0.1))
    length = int(component.get("ranking_length", 10))

    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model))
    texts, intents = zip(*training_examples(args.data), strict=True)
    linear = train_linear(texts, intents, c, None if weights == "none" else weights, scale)
    sets = {}
    for name, path in evaluate.SETS.items():
        tests = evaluate.load_examples(path)
        gold = [str(m.get("intent")) for m in tests]
        words = [str(m.get("text")) for m in tests]
        diet = asyncio.run(diet_rankings(agent, words))
        sets[name] = [
            (d, linear.probabilities(t), g) for d, t, g in zip(diet, words, gold, strict=True)
        ]

    calibration = [example for name in CALIBRATION for example in sets[name]]
    chosen = choose_weight(calibration)
    print(f"ensemble_settings=C{c:g}_{weights}_vectors{scale:g}")
    for weight in WEIGHT_GRID:  # heldout + typos only: what the choice saw
        right = count_right(calibration, weight)
        print(f"ensemble_calibration_right_w{weight:g}={right}/{len(calibration)}")
    print(f"ensemble_weight_chosen={chosen:g}")
    for name, examples in sets.items():
        for label, weight in (("diet", 1.0), ("linear", 0.0), ("pipeline", chosen)):
            print(f"ensemble_right_{label}_{name}={count_right(examples, weight)}/{len(examples)}")
        rankings = [rerank(d, lin, chosen, length) for d, lin, _ in examples]
        unsure = [
            bool(r) and r[0]["name"] == g
            for r, (_, _, g) in zip(rankings, examples, strict=True)
            if is_unsure(r, threshold, ambiguity)
        ]
        print(f"ensemble_unsure_{name}={len(unsure)} ({sum(unsure)} right)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
