#!/usr/bin/env python3
"""Train the Rasa NLU model only when its inputs changed.

Usage (from the repo root, any Python 3.10+; only the standard library is used):

    python3 nlu/scripts/train.py [--force]

The model is written to nlu/models/frivillig-nlu.tar.gz and a fingerprint of everything that shapes
it (config.yml, domain.yml, every nlu/data/*.yml, the pinned requirements of Rasa and the sentence
encoder, and the ensemble component's code: nlu/ensemble.py, nlu/sentence_vectors.py,
nlu/components/*.py) to nlu/models/frivillig-nlu.fingerprint. When the fingerprint matches and
the model exists, nothing runs: that check takes milliseconds, whereas `rasa train nlu` itself
needs ~20 s of start-up before it decides anything, and it still re-packs the model even when its
cache says nothing changed.
The held-out set nlu/tests/ is deliberately not part of the fingerprint (it is never trained on).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

NLU = Path(__file__).resolve().parent.parent
REPO = NLU.parent
MODELS = NLU / "models"
MODEL_NAME = "frivillig-nlu"
MODEL = MODELS / f"{MODEL_NAME}.tar.gz"
FINGERPRINT = MODELS / f"{MODEL_NAME}.fingerprint"
RASA = REPO / ".venv-rasa" / "bin" / "rasa"


def inputs() -> list[Path]:
    """Every file whose content changes the trained model, in a stable order."""
    data = sorted((NLU / "data").glob("*.yml"))
    # The ensemble component's code shapes the model too (nlu/config.yml runs it), and so do the
    # sentence vectors it reads (the encoder's version is in requirements.lock).
    code = [
        NLU / "ensemble.py",
        NLU / "sentence_vectors.py",
        *sorted((NLU / "components").glob("*.py")),
    ]
    return [NLU / "config.yml", NLU / "domain.yml", NLU / "requirements.lock", *data, *code]


def fingerprint() -> str:
    """Hash of the inputs; whole-line comments are left out so that documenting does not retrain.

    (Every example in our YAML is a "- ..." line, so no data line starts with "#".)
    """
    digest = hashlib.sha256()
    for path in inputs():
        lines = path.read_text(encoding="utf-8").splitlines()
        content = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        digest.update(f"{path.relative_to(NLU)}\0{content}\0".encode())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    args = parser.parse_args()

    wanted = fingerprint()
    up_to_date = MODEL.exists() and FINGERPRINT.exists()
    if not args.force and up_to_date and FINGERPRINT.read_text().strip() == wanted:
        print(f"nlu: model is up to date ({MODEL.relative_to(REPO)})", file=sys.stderr)
        return 0
    if not RASA.exists():
        print(f"nlu: {RASA} is missing; run `make setup` first", file=sys.stderr)
        return 2

    MODELS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # No phoning home from CI, and Rasa's component cache stays inside the git-ignored models folder
    # instead of creating .rasa/ in the repo root.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("RASA_CACHE_DIRECTORY", str(MODELS / ".rasa-cache"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cmd = [
        str(RASA), "train", "nlu",
        "--config", str(NLU / "config.yml"),
        "--nlu", str(NLU / "data"),
        "--out", str(MODELS),
        "--fixed-model-name", MODEL_NAME,
    ]  # fmt: skip
    print("nlu: training:", " ".join(cmd), file=sys.stderr)
    started = time.monotonic()
    FINGERPRINT.unlink(missing_ok=True)  # a half-finished run must not look up to date
    # The command is built from fixed paths above, never from user input.
    result = subprocess.run(cmd, cwd=REPO, env=env, check=False)  # noqa: S603
    if result.returncode != 0 or not MODEL.exists():
        print(f"nlu: training failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode or 1
    FINGERPRINT.write_text(wanted + "\n")
    print(
        f"nlu: trained in {time.monotonic() - started:.0f} s -> {MODEL.relative_to(REPO)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
