"""Choose the ensemble's ``rasa_weight`` on out-of-fold rankings of the training data itself.

Run from the repo root with the Rasa environment (it trains Rasa once per fold, about 4 minutes
each on two cores):

    .venv-rasa/bin/python nlu/scripts/oof_weight.py [--folds 5] [--out var/oof_rankings.json]

Why: ``choose_weight.py`` chooses on ``heldout`` + ``typos``, and with the sentence vectors the
pipeline gets 292 of those 293 right at several weights, so they can no longer tell weights apart.
Here nlu/data is split into stratified folds (seed 42); for each fold Rasa is trained with the
committed config on the other folds (entity synonyms, regexes and lookup tables kept whole), the
fold's texts are parsed, DIET's own ranking is read from what the ensemble component keeps aside
(``diet_intent_ranking``), and the linear member (the component's settings) is trained on the same
other folds. Every training example then has a DIET ranking and linear probabilities from models
that never saw it; ``nlu.ensemble.choose_weight`` picks the weight on all of them. No held-out set
in nlu/tests/ is read. The rankings are written to ``--out`` (JSON) so the choice can be re-run
without training; output: ``oof_right_w<weight>=n/total`` per weight and ``oof_weight_chosen``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

NLU = Path(__file__).resolve().parent.parent
REPO = NLU.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(NLU / "scripts"))

import choose_weight  # noqa: E402  (the sibling script: the component's settings)

RASA = REPO / ".venv-rasa" / "bin" / "rasa"


def fold_rankings(train: Any, test: list[Any], config: Path, domain: Path, work: Path) -> list[Any]:
    """Train Rasa on ``train`` (a TrainingData) in ``work`` and return DIET's ranking of each
    message in ``test``. Raises ``subprocess.CalledProcessError`` when the training fails."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    from nlu.components.linear_intents import DIET_RANKING

    data = work / "nlu.yml"
    data.write_text(RasaYAMLWriter().dumps(train), encoding="utf-8")
    # Each fold's data differs, so Rasa's component cache would only grow: keep it in ``work``.
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(work / "cache"),
    }
    cmd = [str(RASA), "train", "nlu", "--config", str(config), "--domain", str(domain),
           "--nlu", str(data), "--out", str(work), "--fixed-model-name", "fold"]  # fmt: skip
    subprocess.run(  # noqa: S603 (our own paths, no shell)
        cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    agent = Agent.load(str(work / "fold.tar.gz"))
    assert agent.processor is not None

    async def parse_all() -> list[Any]:
        out = []
        for message in test:
            parsed = await agent.processor.parse_message(  # type: ignore[union-attr]
                UserMessage(message.get("text")), only_output_properties=False
            )
            out.append(parsed.get(DIET_RANKING))
        return out

    return asyncio.run(parse_all())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=NLU / "data")
    parser.add_argument("--config", type=Path, default=NLU / "config.yml")
    parser.add_argument("--domain", type=Path, default=NLU / "domain.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "oof_rankings.json")
    parser.add_argument("--reuse", action="store_true", help="choose from --out, train nothing")
    args = parser.parse_args()
    choose_weight.evaluate.quiet_rasa_logs()

    from nlu.ensemble import WEIGHT_GRID, count_right, train_linear
    from nlu.ensemble import choose_weight as choose

    component, _ = choose_weight.pipeline_settings(args.config)
    c = float(component.get("c", 10.0))
    weights = component.get("class_weight") or None
    scale = float(component.get("vector_scale", 0.0))

    if args.reuse:
        rows = json.loads(args.out.read_text(encoding="utf-8"))
    else:
        from rasa.shared.data import get_data_files, is_nlu_file
        from rasa.shared.nlu.training_data.loading import load_data
        from rasa.shared.nlu.training_data.training_data import TrainingData
        from sklearn.model_selection import StratifiedKFold

        files = sorted(get_data_files([str(args.data)], is_nlu_file))  # rules.yml is not NLU
        whole = TrainingData().merge(*(load_data(file) for file in files))
        examples = [m for m in whole.intent_examples if m.get("text")]
        golds = [str(m.get("intent")) for m in examples]
        splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42)
        rows = []
        for number, (train_idx, test_idx) in enumerate(splitter.split(examples, golds), 1):
            train_messages = [examples[i] for i in train_idx]
            test_messages = [examples[i] for i in test_idx]
            train = TrainingData(
                training_examples=train_messages,
                entity_synonyms=whole.entity_synonyms,
                regex_features=whole.regex_features,
                lookup_tables=whole.lookup_tables,
            )
            with tempfile.TemporaryDirectory() as work:
                diet = fold_rankings(train, test_messages, args.config, args.domain, Path(work))
            linear = train_linear(
                [str(m.get("text")) for m in train_messages],
                [str(m.get("intent")) for m in train_messages],
                c,
                weights,
                scale,
            )
            for message, ranking in zip(test_messages, diet, strict=True):
                text = str(message.get("text"))
                rows.append([ranking, linear.probabilities(text), str(message.get("intent"))])
            print(f"oof_fold_done={number}", file=sys.stderr, flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows), encoding="utf-8")

    examples = [tuple(row) for row in rows]
    for weight in WEIGHT_GRID:
        print(f"oof_right_w{weight:g}={count_right(examples, weight)}/{len(examples)}")
    print(f"oof_weight_chosen={choose(examples):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
