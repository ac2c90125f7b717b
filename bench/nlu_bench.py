"""NLU benchmark: parse latency through the real HTTP API, plus the held-out quality figures.

Run from the repo root, after training (``python3 nlu/scripts/train.py``), with any Python 3.10+
that has PyYAML (otherwise only the standard library is used; Rasa itself runs from .venv-rasa):

    .venv-rasa/bin/python bench/nlu_bench.py [--requests 200]

It starts ``rasa run --enable-api`` on a free 127.0.0.1 port, waits until the model is loaded, sends
warm-up parses and then ``--requests`` timed ``POST /model/parse`` calls one after another over one
keep-alive connection (as the bot's httpx client does), each a text the server has not parsed
before (the held-out sentences, so no cache answers), stops the server, and finally runs
nlu/scripts/evaluate.py on the three held-out sets (clean, typos, indirect). stdout carries only
``name=value`` lines:

    nlu_server_ready_s, nlu_parse_p50_ms, nlu_parse_p95_ms, and for SET in heldout, typos, indirect:
    nlu_intent_acc_SET, nlu_entity_f1_SET (as the bot's client gets them, after nlu/fuzzy.py),
    nlu_entity_f1_SET_rasa (Rasa's own), nlu_baseline_acc_SET (TF-IDF + LogisticRegression),
    nlu_unsure_SET and nlu_unsure_right_SET (answers the bot treats as UNSURE, and how many of
    those were right). The intent figure is the whole pipeline's: DIET averaged with the linear
    model inside Rasa (nlu/components/linear_intents.py)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # nlu.ensemble (standard library and PyYAML)
RASA = REPO / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
MODEL = REPO / "nlu" / "models" / "frivillig-nlu.tar.gz"
EVALUATE = REPO / "nlu" / "scripts" / "evaluate.py"
READY_TIMEOUT_S = 180.0

# Typical messages, short and long, Danish and English (the held-out sets are for evaluate.py).
SENTENCES = [
    "hej",
    "jeg vil gerne hjælpe ældre i weekenden i Sønderborg",
    "vi vil søge 12.000 kr til en udflugt for børn",
    "hvornår er dialogmødet",
    "kan jeg tilmelde mig mødet",
    "hvad er status på min ansøgning",
    "skal jeg have børneattest",
    "er jeg forsikret som frivillig",
    "kan jeg tale med en medarbejder",
    "skift sprog til engelsk",
    "hvad gør I med mine data",
    "er du en robot",
    "hvad er vejret",
    "i want to volunteer with refugees in Tønder on weekends",
    "when is the grant deadline",
    "ja tak",
    "nej",
    "annuller",
    "jeg er pensionist og har god tid om formiddagen, kan jeg blive besøgsven eller køre for "
    "nogen i Nordborg eller Augustenborg, jeg har bil og kan også hjælpe med indkøb",
    "tak for hjælpen, farvel",
]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(conn: http.client.HTTPConnection, method: str, path: str, body: object = None) -> bytes:
    payload = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if payload else {}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}")
    return data


def wait_until_ready(port: int, server: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT_S:
        if server.poll() is not None:
            raise RuntimeError(f"rasa exited early with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status = json.loads(request(conn, "GET", "/status"))
            conn.close()
            if status.get("model_id"):
                return time.monotonic() - started
        except (OSError, RuntimeError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"rasa was not ready after {READY_TIMEOUT_S:.0f} s")


def timed_sentences() -> list[str]:
    """Every held-out text once, in file order: parses of texts the server has not seen. The
    ensemble's sentence vectors keep the last texts' vectors (nlu/sentence_vectors.py), so timing
    the same few sentences again and again would time that cache, not what a user waits for.
    Read with ``nlu.ensemble.training_examples`` (annotations replaced by their text; PyYAML)."""
    from nlu.ensemble import training_examples

    out: list[str] = []
    for text, _ in training_examples(REPO / "nlu" / "tests"):
        if text not in out and text not in SENTENCES:
            out.append(text)
    return out


def bench(port: int, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for text in SENTENCES:  # warm-up: first calls build TensorFlow graphs
        request(conn, "POST", "/model/parse", {"text": text})
    timings = []
    texts = timed_sentences()
    for i in range(n):
        started = time.perf_counter()
        request(conn, "POST", "/model/parse", {"text": texts[i % len(texts)]})
        timings.append((time.perf_counter() - started) * 1000)
    conn.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description="NLU parse latency and held-out quality")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if not RASA.exists() or not MODEL.exists():
        log(f"need {RASA} and {MODEL}: run `make setup` and `python3 nlu/scripts/train.py`")
        return 2

    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [str(RASA), "run", "--enable-api", "-m", str(MODEL), "-i", "127.0.0.1", "-p", str(port)]
    with tempfile.TemporaryFile() as server_log:
        log("starting:", " ".join(cmd))
        # Own session, so stopping it also stops any worker processes Rasa/Sanic started.
        server = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=server_log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            ready_s = wait_until_ready(port, server)
            log(f"rasa ready after {ready_s:.1f} s; sending {args.requests} parses")
            timings = bench(port, args.requests)
        except RuntimeError as exc:
            server_log.seek(0)
            log(server_log.read().decode(errors="replace")[-3000:])
            log(f"benchmark failed: {exc}")
            return 1
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    timings.sort()
    print(f"nlu_server_ready_s={ready_s:.1f}")
    print(f"nlu_parse_p50_ms={statistics.median(timings):.1f}")
    print(f"nlu_parse_p95_ms={timings[int(len(timings) * 0.95) - 1]:.1f}")
    sys.stdout.flush()

    python = RASA_PYTHON if RASA_PYTHON.exists() else Path(sys.executable)
    evaluation = subprocess.run(
        [str(python), str(EVALUATE)], cwd=REPO, stdout=subprocess.PIPE, check=False
    )
    sys.stdout.write(evaluation.stdout.decode())
    return evaluation.returncode


if __name__ == "__main__":
    sys.exit(main())
