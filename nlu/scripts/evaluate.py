"""Score the trained NLU model on the held-out set, next to a simple baseline.

Run from the repo root with the Rasa environment:

    .venv-rasa/bin/python nlu/scripts/evaluate.py [--check] [--model PATH]

Prints one ``name=value`` per line on stdout (logs and the list of mistakes go to stderr):

* ``nlu_intent_acc_heldout``: share of nlu/tests/test_nlu.yml examples whose intent the model gets
  right. When the FallbackClassifier answers ``nlu_fallback`` the best real intent from
  ``intent_ranking`` counts, exactly as the bot's client uses it (as an UNSURE guess).
* ``nlu_entity_f1_heldout``: micro-averaged F1 over (entity, value) pairs, summed over all examples.
  Values are compared after synonym mapping (area/availability/activity must come out canonical,
  e.g. "aeldre" -> "elderly"); location and amount are compared as written, case-insensitively.
  Spans are not compared: the bot only uses the values. Each pair counts as often as it occurs.
* ``nlu_baseline_acc_heldout``: intent accuracy of TF-IDF (word 1-2-grams + char_wb 2-5-grams)
  with LogisticRegression, trained here on the same nlu/data and scored on the same held-out set.

The model is loaded in-process with ``Agent.load`` and ``parse_message``, the same code path as
``POST /model/parse`` in ``rasa run --enable-api``.

With ``--check`` the exit status is 1 when intent accuracy < 0.90 or entity F1 < 0.85 (the gate in
``make test``), or when a held-out text also occurs in the training data.
"""

from __future__ import annotations

import os

# Quiet TensorFlow and Rasa before they are imported; no telemetry from CI.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import argparse
import asyncio
import logging
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

NLU = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = NLU / "models" / "frivillig-nlu.tar.gz"
DEFAULT_TEST = NLU / "tests" / "test_nlu.yml"
DEFAULT_DATA = NLU / "data"
MIN_INTENT_ACC = 0.90
MIN_ENTITY_F1 = 0.85
FALLBACK = "nlu_fallback"

Pair = tuple[str, str]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def load_examples(path: Path) -> list[Any]:
    """Intent examples (rasa Message objects) from an NLU file or folder; rules are skipped."""
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for file in sorted(get_data_files([str(path)], is_nlu_file)):
        examples += [m for m in load_data(file).intent_examples if m.get("text")]
    return examples


def leaks(tests: list[Any], train: list[Any]) -> list[str]:
    """Held-out texts that also occur in the training data (ignoring case and spacing)."""
    seen = {" ".join(m.get("text").lower().split()) for m in train}
    return [m.get("text") for m in tests if " ".join(m.get("text").lower().split()) in seen]


def pairs(entities: list[dict[str, Any]]) -> Counter[Pair]:
    out: Counter[Pair] = Counter()
    for ent in entities:
        value = str(ent.get("value", ""))
        if ent["entity"] in ("location", "amount"):
            value = value.strip().lower()
        out[(ent["entity"], value)] += 1
    return out


def best_intent(parsed: dict[str, Any]) -> str:
    name = str(parsed["intent"]["name"])
    if name != FALLBACK:
        return name
    for ranked in parsed.get("intent_ranking", []):
        if ranked["name"] != FALLBACK:
            return str(ranked["name"])
    return name


async def score_model(model: Path, tests: list[Any]) -> tuple[float, float, int]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    correct = tp = fp = fn = fallbacks = 0
    for msg in tests:
        text, gold_intent = msg.get("text"), msg.get("intent")
        parsed = await agent.parse_message(text)
        guess = best_intent(parsed)
        fallbacks += parsed["intent"]["name"] == FALLBACK
        if guess == gold_intent:
            correct += 1
        else:
            conf = parsed["intent"]["confidence"]
            log(f"  intent  {gold_intent:>16} -> {guess:<16} ({conf:.2f})  {text!r}")
        gold, pred = pairs(msg.get("entities") or []), pairs(parsed.get("entities") or [])
        hit = gold & pred
        tp += sum(hit.values())
        fp += sum((pred - hit).values())
        fn += sum((gold - hit).values())
        if gold != pred:
            log(f"  entity  missed={sorted(gold - hit)} extra={sorted(pred - hit)}  {text!r}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return correct / len(tests), f1, fallbacks


def score_baseline(train: list[Any], tests: list[Any]) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    classifier = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000))
    classifier.fit([m.get("text").lower() for m in train], [m.get("intent") for m in train])
    predicted = classifier.predict([m.get("text").lower() for m in tests])
    return sum(p == m.get("intent") for p, m in zip(predicted, tests, strict=True)) / len(tests)


def main() -> int:
    parser = argparse.ArgumentParser(description="Held-out NLU scores (see module docstring).")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--test", type=Path, default=DEFAULT_TEST)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--check", action="store_true", help="exit 1 below the quality gate")
    args = parser.parse_args()

    import structlog  # Rasa logs every parse through structlog at debug level

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("rasa", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    if not args.model.exists():
        log(f"model {args.model} is missing: run `python3 nlu/scripts/train.py` first")
        return 2

    tests, train = load_examples(args.test), load_examples(args.data)
    leaked = leaks(tests, train)
    for text in leaked:
        log(f"held-out example also in the training data: {text!r}")
    log(f"held-out examples: {len(tests)}; training examples: {len(train)}; mistakes:")
    intent_acc, entity_f1, fallbacks = asyncio.run(score_model(args.model, tests))
    baseline_acc = score_baseline(train, tests)
    log(f"nlu_fallback answers (counted by best real intent): {fallbacks}")

    print(f"nlu_intent_acc_heldout={intent_acc:.4f}")
    print(f"nlu_entity_f1_heldout={entity_f1:.4f}")
    print(f"nlu_baseline_acc_heldout={baseline_acc:.4f}")
    sys.stdout.flush()

    if args.check and leaked:
        log("NLU quality gate failed: the held-out set must not overlap the training data")
        return 1
    if args.check and (intent_acc < MIN_INTENT_ACC or entity_f1 < MIN_ENTITY_F1):
        log(
            f"NLU quality gate failed: intent accuracy {intent_acc:.3f} (min {MIN_INTENT_ACC}), "
            f"entity F1 {entity_f1:.3f} (min {MIN_ENTITY_F1}); the mistakes are listed above"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
