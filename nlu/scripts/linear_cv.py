"""Cross-validated intent accuracy of the linear member's settings, on the training data only.

Run from the repo root with the Rasa environment (scikit-learn):

    .venv-rasa/bin/python nlu/scripts/linear_cv.py [--data nlu/data] [--folds 5]

Prints one ``linear_cv_acc_C<c>_<weights>=value`` line per setting (mean over stratified folds,
shuffled with seed 42). This is how the ensemble component's ``c`` and ``class_weight`` are chosen
(nlu/README.md): the held-out sets in nlu/tests/ are never read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

#: The settings tried (decided before any figure, nlu/README.md).
GRID = [(c, weights) for c in (3.0, 10.0, 30.0) for weights in (None, "balanced")]


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
    for c, weights in GRID:
        right = 0
        for train, test in folds:
            model = train_linear([texts[i] for i in train], [intents[i] for i in train], c, weights)
            predicted = model.predict([texts[i] for i in test])
            right += sum(p == intents[i] for p, i in zip(predicted, test, strict=True))
        print(f"linear_cv_acc_C{c:g}_{weights or 'none'}={right / len(texts):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
