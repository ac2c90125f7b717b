"""The ensemble component (nlu/components/linear_intents.py) through Rasa's own component API.

Rasa lives in its own environment (.venv-rasa, Python 3.10), so the component runs there in a
subprocess: created, trained on a tiny data set, stored in a LocalModelStorage, loaded again and
asked to process messages that carry a DIET-like ranking. Marked ``rasa`` (needs .venv-rasa).
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
import json, sys
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.components.linear_intents import MODEL_FILE, LinearIntentEnsemble

Path(sys.argv[1]).mkdir()
storage = LocalModelStorage(Path(sys.argv[1]))
resource = Resource("linear_intents")
context = ExecutionContext(GraphSchema({}), "test")
config = {**LinearIntentEnsemble.get_default_config(), "rasa_weight": float(sys.argv[2]),
          "vector_scale": float(sys.argv[3])}
examples = {
    "greet": ["hej", "hej med dig", "godmorgen", "hello there", "hi", "goddag"],
    "find_opportunity": ["jeg vil gerne hjaelpe aeldre", "kan jeg blive besogsven",
                         "i want to volunteer", "jeg vil vaere frivillig", "find noget frivilligt"],
}
messages = [Message(data={"text": t, "intent": i}) for i, ts in examples.items() for t in ts]
data = TrainingData(messages + [Message(data={"text": "no intent here"})])
trained = LinearIntentEnsemble.create(config, storage, resource, context)
trained.train(data)
with storage.read_from(resource) as directory:
    files = sorted(p.name for p in directory.iterdir())
loaded = LinearIntentEnsemble.load(config, storage, resource, context)
diet = [{"name": "greet", "confidence": 0.55}, {"name": "find_opportunity", "confidence": 0.45}]
messages = [Message(data={"text": "jeg vil gerne vaere frivillig for aeldre", "intent": diet[0],
                          "intent_ranking": list(diet)}),
            Message(data={"text": "", "intent": diet[0], "intent_ranking": list(diet)})]
loaded.process(messages)
old = Resource("old_format")  # a model stored by the code before the sentence vectors
with storage.write_to(old) as directory:
    import skops.io
    from sklearn.pipeline import make_pipeline
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression())
    pipeline.fit(["hej", "hjaelp"], ["greet", "help"])
    skops.io.dump(pipeline, directory / MODEL_FILE)
try:
    LinearIntentEnsemble.load(config, storage, old, context)
    old_format = "served"
except Exception as error:
    old_format = type(error).__name__
untrained = LinearIntentEnsemble.load(config, storage, Resource("never_trained"), context)
left = Message(data={"text": "hej", "intent": diet[0], "intent_ranking": list(diet)})
untrained.process([left])
print(json.dumps({
    "files": files,
    "model_file": MODEL_FILE,
    "intent": messages[0].get("intent"),
    "ranking": messages[0].get("intent_ranking"),
    "empty_text_intent": messages[1].get("intent"),
    "untrained_intent": left.get("intent"),
    "output": sorted(messages[0].output_properties),
    "diet_aside": messages[0].get("diet_intent_ranking"),
    "vector_scale": loaded._linear.vector_scale,
    "old_format": old_format,
}))
"""


def run(tmp_path: Path, rasa_weight: float, vector_scale: float = 0.0) -> dict[str, Any]:
    if not RASA_PYTHON.exists():
        pytest.skip(f"{RASA_PYTHON} is missing (run `make setup`)")
    result = subprocess.run(
        [
            str(RASA_PYTHON),
            "-c",
            SCRIPT,
            str(tmp_path / "storage"),
            str(rasa_weight),
            str(vector_scale),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": str(REPO), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_the_component_trains_stores_loads_and_reranks(tmp_path: Path) -> None:
    out = run(tmp_path, rasa_weight=0.5)
    assert out["files"] == [out["model_file"]]  # skops, no pickle
    # DIET leaned to greet (0.55); the linear model is sure it is a volunteering request.
    assert out["intent"]["name"] == "find_opportunity"
    ranking = out["ranking"]
    assert [item["name"] for item in ranking] == ["find_opportunity", "greet"]
    assert out["intent"]["confidence"] == pytest.approx(ranking[0]["confidence"])
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
    assert {"intent", "intent_ranking"} <= set(out["output"])
    # A message without text, and a component whose model was never stored, keep DIET's answer.
    assert out["empty_text_intent"] == {"name": "greet", "confidence": 0.55}
    assert out["untrained_intent"] == {"name": "greet", "confidence": 0.55}
    # A model stored by older code is refused, not served as DIET alone without a word.
    assert out["old_format"] == "ModelFormatError"


def test_weight_one_leaves_diets_order(tmp_path: Path) -> None:
    out = run(tmp_path, rasa_weight=1.0)
    assert [item["name"] for item in out["ranking"]] == ["greet", "find_opportunity"]
    assert out["intent"]["confidence"] == pytest.approx(0.55)  # DIET's two, renormalised


def test_with_sentence_vectors_the_stored_model_reads_them_and_diets_ranking_is_kept_aside(
    tmp_path: Path,
) -> None:
    out = run(tmp_path, rasa_weight=0.5, vector_scale=2.0)
    assert out["files"] == [out["model_file"]]  # still one skops file: the encoder is not in it
    assert out["vector_scale"] == 2.0  # stored and loaded with the model
    assert out["intent"]["name"] == "find_opportunity"
    # DIET's own ranking stays readable for nlu/scripts/choose_weight.py, outside the answer.
    assert out["diet_aside"] == [
        {"name": "greet", "confidence": 0.55},
        {"name": "find_opportunity", "confidence": 0.45},
    ]
    assert "diet_intent_ranking" not in out["output"]
