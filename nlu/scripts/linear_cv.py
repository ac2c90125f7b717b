"""Cross-validated intent accuracy of the linear member's settings, on the training data only.

Run from the repo root with the Rasa environment (scikit-learn):

    .venv-rasa/bin/python nlu/scripts/linear_cv.py [--data nlu/data] [--folds 5]

Prints one ``linear_cv_acc_C<c>_<weights>_vectors<scale>=value`` line per setting (mean over
stratified folds, shuffled with seed 42). This is how the ensemble component's ``c``,
``class_weight`` and ``vector_scale`` are chosen (nlu/README.md): the held-out sets in nlu/tests/
are never read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

#: The settings tried (decided before any figure, nlu/README.md): C, class weights, the sentence
#: vectors' scale (0: TF-IDF alone; 1, 2, 4: nlu.sentence_vectors beside it, with balanced classes).
GRID = [(c, weights, 0.0) for c in (3.0, 10.0, 30.0) for weights in (None, "balanced")] + [
    (c, "balanced", scale) for c in (3.0, 10.0, 30.0) for scale in (1.0, 2.0, 4.0)
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "nlu" / "data")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    from sklearn.model_selection import StratifiedKFold

    from nlu.ensemble import train_linear, training_examples

    texts, intents = (list(column) for column in zip(*training_examples(args.data), strict=True))
    folds = list(
        StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42).split(texts, intents)
    )
    for c, weights, scale in GRID:
        right = 0
        for train, test in folds:
            model = train_linear(
                [texts[i] for i in train], [intents[i] for i in train], c, weights, scale
            )
            predicted = model.predict([texts[i] for i in test])
            right += sum(p == intents[i] for p, i in zip(predicted, test, strict=True))
        setting = f"C{c:g}_{weights or 'none'}_vectors{scale:g}"
        print(f"linear_cv_acc_{setting}={right / len(texts):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
