"""Score the trained NLU model on the held-out sets, next to a simple baseline.

Run from the repo root with the Rasa environment:

    .venv-rasa/bin/python nlu/scripts/evaluate.py [--check] [--model PATH] [--test PATH ...]

Three held-out sets live in nlu/tests/ (never trained on): ``heldout`` (test_nlu.yml, sentences like
the ones people type), ``typos`` (test_nlu_typos.yml: doubled/dropped/transposed letters, æ/e, ø/o)
and ``indirect`` (test_nlu_indirect.yml and test_nlu_indirect_more.yml, two blind files scored as
one set: stories, questions about someone else, long and Danish/English mixed requests; ``--test``
scores one file alone). For each set NAME it prints one ``name=value`` per line on stdout
(logs and the list of mistakes go to stderr):

* ``nlu_intent_acc_NAME``: share of examples whose intent the model gets right: the whole
  pipeline's answer, which since issue 17 is DIET's ranking averaged with a linear model inside
  Rasa (nlu/components/linear_intents.py). When the FallbackClassifier answers ``nlu_fallback``
  the best real intent from ``intent_ranking`` counts, exactly as the bot's client uses it (as an
  UNSURE guess).
* ``nlu_unsure_NAME`` and ``nlu_unsure_right_NAME``: how many examples the bot would treat as
  UNSURE (``nlu_fallback``, or a confidence under the client's threshold ``BOT_THRESHOLD``), and
  how many of those the best guess had right (the bot asks back instead of acting on them).
* ``nlu_entity_f1_NAME``: micro-averaged F1 over (entity, value) pairs, summed over all examples, of
  the entities the bot gets: Rasa's, resolved by nlu/fuzzy.py as nlu/client.py does (typos mapped
  to canonical values, missed words of a search added), and closed-kind values outside the contract
  dropped as the client drops them. Values are compared after synonym mapping (area/availability/
  activity must come out canonical, e.g. "aeldre" -> "elderly"); location and amount are compared
  as written, case-insensitively. Spans are not compared: the bot only uses the values. Each pair
  counts as often as it occurs.
* ``nlu_entity_f1_NAME_rasa``: the same F1 for Rasa's own entities, before nlu/fuzzy.py.
* ``nlu_baseline_acc_NAME``: intent accuracy of TF-IDF (word 1-2-grams + char_wb 2-5-grams) with
  LogisticRegression, trained here on the same nlu/data and scored on the same set.

The ensemble's own figures (``nlu_ensemble_*``, measured here before it was part of the pipeline)
are gone: ``nlu_intent_acc_NAME`` is the ensemble now, and averaging its ranking with the baseline
again would count the linear model twice.

The model is loaded in-process with ``Agent.load`` and ``parse_message``, the same code path as
``POST /model/parse`` in ``rasa run --enable-api``.

With ``--check`` the exit status is 1 when a set is below its gate (``GATES``, the figures the make
test gate holds), or when a held-out text also occurs in the training data, or nearly does (the
same text up to a typo or two: similarity >= ``NEAR_DUPLICATE``).
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NLU = Path(__file__).resolve().parent.parent
REPO = NLU.parent
sys.path.insert(0, str(REPO))  # nlu.fuzzy and bot.directory (standard library and PyYAML only)

DEFAULT_MODEL = NLU / "models" / "frivillig-nlu.tar.gz"
TESTS = NLU / "tests"
#: Set name -> its held-out files. ``indirect`` is two blind files since 30 November (issue 17:
#: 69 sentences, then 151 more by someone who had seen neither the training data nor the first
#: file, of 161 written: 10 the training data had word for word were taken out; nlu/README.md
#: »A larger indirect yardstick«).
SETS = {
    "heldout": (TESTS / "test_nlu.yml",),
    "typos": (TESTS / "test_nlu_typos.yml",),
    "indirect": (TESTS / "test_nlu_indirect.yml", TESTS / "test_nlu_indirect_more.yml"),
}
DEFAULT_DATA = NLU / "data"
#: Set name -> (minimum intent accuracy, minimum entity F1) for --check. typos holds the targets of
#: issue 12. The committed model reaches 0.995 / 0.949, 0.988 / 0.974 and 0.959 / 0.888 (indirect,
#: both files; nlu/README.md "Current figures"). The intent gates sit a few sentences under that
#: (DIET's training is not bit-for-bit repeatable across machines, and the entities are DIET's): a
#: change that makes the NLU clearly worse fails. Raised on 30 November with the sentence vectors
#: (they were 0.90 / 0.90 / 0.88).
GATES = {
    "heldout": (0.95, 0.85),
    "typos": (0.95, 0.85),
    "indirect": (0.93, 0.80),
}
#: A held-out text this alike (difflib ratio of the normalised texts) to a training text is a leak.
NEAR_DUPLICATE = 0.9
FALLBACK = "nlu_fallback"
#: The bot's NLU_CONFIDENCE_THRESHOLD default (bot/config.py; a unit test keeps them equal): under
#: it the client treats an answer as UNSURE.
BOT_THRESHOLD = 0.4

Pair = tuple[str, str]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def quiet_rasa_logs() -> None:
    """Only errors from Rasa, TensorFlow and warnings, so stdout keeps its ``name=value`` lines
    (Rasa logs every parse through structlog at debug level). Needs Rasa's environment."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("rasa", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def load_examples(path: Path | Sequence[Path]) -> list[Any]:
    """Intent examples (rasa Message objects) from an NLU file or folder, or several in the order
    given; rules are skipped."""
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    if not isinstance(path, Path):
        return [example for one in path for example in load_examples(one)]
    examples = []
    for file in sorted(get_data_files([str(path)], is_nlu_file)):
        examples += [m for m in load_data(file).intent_examples if m.get("text")]
    return examples


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def leaks(tests: list[Any], train: list[Any]) -> list[str]:
    """Held-out texts that also occur in the training data (ignoring case and spacing), or nearly
    (similarity >= NEAR_DUPLICATE: the same sentence up to a typo or two)."""
    from difflib import SequenceMatcher

    seen = [_norm(m.get("text")) for m in train]
    exact = set(seen)
    out = []
    for msg in tests:
        text = _norm(msg.get("text"))
        if text in exact:
            out.append(repr(msg.get("text")))
            continue
        matcher = SequenceMatcher(None, text)
        for other in seen:
            matcher.set_seq1(other)
            if (
                matcher.real_quick_ratio() >= NEAR_DUPLICATE
                and matcher.quick_ratio() >= NEAR_DUPLICATE
                and matcher.ratio() >= NEAR_DUPLICATE
            ):
                out.append(f"{msg.get('text')!r} ~ {other!r}")
                break
    return out


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


class F1:
    """Micro-averaged F1 over (entity, value) pairs."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, gold: Counter[Pair], pred: Counter[Pair]) -> Counter[Pair]:
        hit = gold & pred
        self.tp += sum(hit.values())
        self.fp += sum((pred - hit).values())
        self.fn += sum((gold - hit).values())
        return hit

    def value(self) -> float:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def bot_entities(vocabulary: Any, parsed: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The entities nlu/client.py keeps: resolved by nlu/fuzzy.py, closed kinds if canonical."""
    from nlu.fuzzy import KINDS

    resolved = vocabulary.resolve(parsed.get("entities") or [], text, best_intent(parsed))
    return [e for e in resolved if e["entity"] not in KINDS or e["value"] in KINDS[e["entity"]]]


def unsure(parsed: dict[str, Any]) -> bool:
    """Whether the bot's client treats this answer as UNSURE (nlu/client.py)."""
    intent = parsed["intent"]
    return bool(intent["name"] == FALLBACK or float(intent["confidence"]) < BOT_THRESHOLD)


async def score_model(
    agent: Any, vocabulary: Any, tests: list[Any]
) -> tuple[float, float, float, int, tuple[int, int]]:
    """(intent accuracy, entity F1 as the bot gets them, Rasa's own entity F1, fallback answers,
    (answers the bot treats as UNSURE, how many of those were right))."""
    correct = fallbacks = unsure_all = unsure_right = 0
    resolved, raw = F1(), F1()
    for msg in tests:
        text, gold_intent = msg.get("text"), msg.get("intent")
        parsed = await agent.parse_message(text)
        guess = best_intent(parsed)
        fallbacks += parsed["intent"]["name"] == FALLBACK
        if unsure(parsed):
            unsure_all += 1
            unsure_right += guess == gold_intent
        if guess == gold_intent:
            correct += 1
        else:
            conf = parsed["intent"]["confidence"]
            log(f"  intent  {gold_intent:>16} -> {guess:<16} ({conf:.2f})  {text!r}")
        gold = pairs(msg.get("entities") or [])
        raw.add(gold, pairs(parsed.get("entities") or []))
        pred = pairs(bot_entities(vocabulary, parsed, text))
        hit = resolved.add(gold, pred)
        if gold != pred:
            log(f"  entity  missed={sorted(gold - hit)} extra={sorted(pred - hit)}  {text!r}")
    unsure_counts = (unsure_all, unsure_right)
    return correct / len(tests), resolved.value(), raw.value(), fallbacks, unsure_counts


def train_baseline(data: Path) -> Any:
    """TF-IDF + LogisticRegression intent classifier (nlu.ensemble), fitted on the training data
    as the bot would read it (nlu.ensemble.training_examples: the same texts as Rasa's loader)."""
    from nlu.ensemble import train_linear, training_examples

    texts, intents = zip(*training_examples(data), strict=True)
    return train_linear(texts, intents)


def score_baseline(classifier: Any, tests: list[Any]) -> float:
    predicted = classifier.predict([m.get("text") for m in tests])
    return sum(p == m.get("intent") for p, m in zip(predicted, tests, strict=True)) / len(tests)


def main() -> int:
    parser = argparse.ArgumentParser(description="Held-out NLU scores (see module docstring).")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument(
        "--test", type=Path, action="append", help="score only this file (its stem names it)"
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--check", action="store_true", help="exit 1 below the quality gate")
    args = parser.parse_args()

    quiet_rasa_logs()
    if not args.model.exists():
        log(f"model {args.model} is missing: run `python3 nlu/scripts/train.py` first")
        return 2

    from rasa.core.agent import Agent

    from bot.directory import Directory
    from nlu.fuzzy import Vocabulary

    sets = {path.stem: (path,) for path in args.test} if args.test else SETS
    train = load_examples(args.data)
    agent = Agent.load(str(args.model))
    vocabulary = Vocabulary.load(places=Directory.load(REPO / "data").place_names())
    baseline = train_baseline(args.data)
    failed: list[str] = []
    for name, path in sets.items():
        tests = load_examples(path)
        leaked = leaks(tests, train)
        for text in leaked:
            log(f"held-out example ({name}) also in the training data: {text}")
        if leaked:
            failed.append(f"{name}: {len(leaked)} held-out texts (nearly) in the training data")
        log(f"[{name}] held-out examples: {len(tests)}; training examples: {len(train)}; mistakes:")
        intent_acc, entity_f1, raw_f1, fallbacks, (unsure_all, unsure_right) = asyncio.run(
            score_model(agent, vocabulary, tests)
        )
        log(f"[{name}] nlu_fallback answers (counted by best real intent): {fallbacks}")
        print(f"nlu_intent_acc_{name}={intent_acc:.4f}")
        print(f"nlu_entity_f1_{name}={entity_f1:.4f}")
        print(f"nlu_entity_f1_{name}_rasa={raw_f1:.4f}")
        print(f"nlu_baseline_acc_{name}={score_baseline(baseline, tests):.4f}")
        print(f"nlu_unsure_{name}={unsure_all}")
        print(f"nlu_unsure_right_{name}={unsure_right}")
        sys.stdout.flush()
        min_intent, min_f1 = GATES.get(name, (0.0, 0.0))
        if intent_acc < min_intent or entity_f1 < min_f1:
            failed.append(
                f"{name}: intent accuracy {intent_acc:.3f} (min {min_intent}), "
                f"entity F1 {entity_f1:.3f} (min {min_f1})"
            )

    if args.check and failed:
        log("NLU quality gate failed (the mistakes are listed above):")
        for reason in failed:
            log(f"  {reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
