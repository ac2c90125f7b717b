"""Ensemble of Rasa's intent ranking with a linear (TF-IDF + LogisticRegression) intent model.

Issue 17 §2 allows it "if it wins". This module is the ONE place that defines how the two are
combined, shared by ``nlu/scripts/evaluate.py`` (Rasa venv, Python 3.10) and, if it is wired in,
by the bot (Python 3.11). It imports nothing outside the standard library at module level:
scikit-learn is imported inside :func:`train_linear` only, because the two venvs may hold
different scikit-learn versions.

The combination is a weighted average of two probability distributions over intents:

    score(intent) = w * rasa(intent) + (1 - w) * linear(intent)

``rasa`` is Rasa's ``intent_ranking`` without ``nlu_fallback`` (which is not an intent but the
FallbackClassifier's "unsure"), renormalised to sum to 1; intents Rasa did not list (it lists its
top 10) count as 0. ``w`` is :data:`RASA_WEIGHT`, fixed at 0.5 (both models equal) and never tuned
on the held-out sets. :func:`choose_weight` picks a weight on a calibration set instead
(``evaluate.py`` uses the clean and typo held-out sets and reports the indirect set with it, so the
indirect figure stays honest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

#: Weight of Rasa's distribution (the linear model gets 1 - RASA_WEIGHT). Fixed, not tuned on any
#: held-out set (issue 17: the held-out files are a yardstick, not training data).
RASA_WEIGHT: Final = 0.5
#: The weights :func:`choose_weight` tries: 0, 0.05, ..., 1.
WEIGHT_GRID: Final = tuple(step / 20 for step in range(21))
#: What Rasa's FallbackClassifier puts in the ranking when unsure; not an intent.
FALLBACK: Final = "nlu_fallback"
#: Rasa's inline entity annotation: ``[text](entity)``, ``[text](entity:value)`` or ``[text]{...}``.
_ANNOTATION: Final = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def training_examples(data_dir: Path) -> list[tuple[str, str]]:
    """(text, intent) for every intent example in the Rasa NLU files ``data_dir/*.yml``.

    Reads the files with PyYAML (no Rasa needed), the way Rasa reads them: ``nlu:`` items with
    ``intent`` and an ``examples`` block of ``- text`` lines; entity annotations are replaced by
    their text. Synonyms, regexes, lookup tables and rules are skipped. Files in sorted order.
    Raises ``OSError``/``yaml.YAMLError`` for unreadable files.
    """
    import yaml

    out: list[tuple[str, str]] = []
    for path in sorted(data_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text = _ANNOTATION.sub(r"\1", line[2:]).strip()
                if text:
                    out.append((text, str(item["intent"])))
    return out


def rasa_distribution(ranking: Any) -> dict[str, float]:
    """Rasa's ``intent_ranking`` as intent -> probability (0..1, summing to 1).

    ``nlu_fallback`` and malformed items are skipped; a name listed twice keeps its higher
    confidence. Returns an empty dict when nothing usable is listed (never raises).
    """
    out: dict[str, float] = {}
    if not isinstance(ranking, list):
        return out
    for item in ranking:
        if not isinstance(item, Mapping):
            continue
        name, confidence = item.get("name"), item.get("confidence")
        if not isinstance(name, str) or name == FALLBACK:
            continue
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            continue
        if confidence < 0:
            continue
        out[name] = max(out.get(name, 0.0), float(confidence))
    total = sum(out.values())
    if total <= 0:
        return {}
    return {name: value / total for name, value in out.items()}


def combine(
    rasa_ranking: Any, linear: Mapping[str, float], rasa_weight: float = RASA_WEIGHT
) -> list[tuple[str, float]]:
    """The ensemble's intents, best first, as (intent, score 0..1) pairs.

    ``rasa_ranking`` is Rasa's ``intent_ranking`` list (``[{"name", "confidence"}, ...]``),
    ``linear`` the linear model's probability per intent (see :meth:`LinearIntents.probabilities`).
    When one side has nothing (Rasa listed no usable intent, or the linear model is missing) the
    other decides alone. Ties are broken by intent name, so the result is deterministic.

    Raises ``ValueError`` if ``rasa_weight`` is outside 0..1.
    """
    if not 0.0 <= rasa_weight <= 1.0:
        raise ValueError(f"rasa_weight must be within 0..1, not {rasa_weight}")
    rasa = rasa_distribution(rasa_ranking)
    lin = {name: float(p) for name, p in linear.items() if name != FALLBACK and p >= 0}
    lin_total = sum(lin.values())
    lin = {name: p / lin_total for name, p in lin.items()} if lin_total > 0 else {}
    if not rasa:
        rasa_weight = 0.0
    elif not lin:
        rasa_weight = 1.0
    names = set(rasa) | set(lin)
    scores = {
        name: rasa_weight * rasa.get(name, 0.0) + (1.0 - rasa_weight) * lin.get(name, 0.0)
        for name in names
    }
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def choose_weight(examples: Sequence[tuple[Any, Mapping[str, float], str]]) -> float:
    """The Rasa weight from :data:`WEIGHT_GRID` at which :func:`combine` gets most examples right.

    ``examples`` are (Rasa's ``intent_ranking``, the linear model's probabilities, the right
    intent). They must be a calibration set: neither training data nor the set the weight is then
    reported on (issue 17: the indirect set is a yardstick, never tuned on). Ties go to the weight
    nearest :data:`RASA_WEIGHT`, then to the lower one. Raises ``ValueError`` for no examples.
    """
    if not examples:
        raise ValueError("choose_weight needs at least one example")

    def right(weight: float) -> int:
        return sum(
            bool(ranked) and ranked[0][0] == gold
            for ranked, gold in (
                (combine(rasa, linear, weight), gold) for rasa, linear, gold in examples
            )
        )

    return max(WEIGHT_GRID, key=lambda w: (right(w), -abs(w - RASA_WEIGHT), -w))


class LinearIntents:
    """A fitted TF-IDF (word 1-2-grams + char_wb 2-5-grams) + LogisticRegression intent model."""

    def __init__(self, pipeline: Any) -> None:
        self._pipeline = pipeline
        self._classes: Sequence[str] = [str(c) for c in pipeline.classes_]

    def probabilities(self, text: str) -> dict[str, float]:
        """Intent -> probability (0..1, summing to 1) for one text (lower-cased first)."""
        row = self._pipeline.predict_proba([text.lower()])[0]
        return {name: float(p) for name, p in zip(self._classes, row, strict=True)}

    def predict(self, texts: Iterable[str]) -> list[str]:
        """The most probable intent for each text."""
        return [str(p) for p in self._pipeline.predict([t.lower() for t in texts])]


def train_linear(texts: Sequence[str], intents: Sequence[str]) -> LinearIntents:
    """Fit the linear intent model on training texts and their intents (same length).

    This is the TF-IDF + LogisticRegression baseline of ``evaluate.py`` (issue 17). Needs
    scikit-learn (imported here, not at module level). Raises ``ValueError`` when the lengths
    differ or fewer than two intents occur.
    """
    if len(texts) != len(intents):
        raise ValueError(f"{len(texts)} texts but {len(intents)} intents")
    if len(set(intents)) < 2:
        raise ValueError("the linear model needs examples of at least two intents")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    pipeline = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000))
    pipeline.fit([t.lower() for t in texts], list(intents))
    return LinearIntents(pipeline)
