"""`make run` starts Rasa beside the bot: never talking to a stranger on the NLU port."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bot.processes import nlu as nlu_process
from bot.processes.nlu import PortOwner


def make_model(folder: Path, model_id: str) -> Path:
    """A model archive shaped like Rasa's: metadata.json (with the model_id) among components."""
    path = folder / "frivillig-nlu.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        body = json.dumps({"model_id": model_id, "assistant_id": "frivillig-nlu"}).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    return path


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, object]]]:
    """An HTTP server on a free port answering `GET /status` with whatever the test sets."""
    answer: dict[str, object] = {"status": 404, "body": {}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = int(answer["status"])  # type: ignore[call-overload]
            body = json.dumps(answer["body"]).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", answer
    httpd.shutdown()
    httpd.server_close()


def test_the_model_id_is_read_from_the_archive(tmp_path: Path) -> None:
    assert nlu_process.model_id(make_model(tmp_path, "abc123")) == "abc123"
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar")
    assert nlu_process.model_id(broken) is None


def test_who_owns_the_port(server: tuple[str, dict[str, object]]) -> None:
    url, answer = server
    assert nlu_process.port_owner(f"http://127.0.0.1:{nlu_process.free_port()}", "ours") is (
        PortOwner.FREE
    )
    assert nlu_process.port_owner(url, "ours") is PortOwner.OTHER  # not Rasa at all (404)
    answer.update(status=200, body={"model_id": "someone-elses", "model_file": "x.tar.gz"})
    assert nlu_process.port_owner(url, "ours") is PortOwner.OTHER  # a Rasa, another model
    answer.update(body={"model_id": "ours", "model_file": "frivillig-nlu.tar.gz"})
    assert nlu_process.port_owner(url, "ours") is PortOwner.OURS


@pytest.fixture
def fake_rasa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`rasa` replaced by a script that writes its arguments and waits; a model in place."""
    models = tmp_path / "models"
    models.mkdir()
    make_model(models, "ours")
    argv = tmp_path / "argv.txt"
    script = tmp_path / "rasa"
    script.write_text(f'#!/bin/sh\necho "$@" > {argv}\nexec sleep 30\n')
    script.chmod(0o755)
    monkeypatch.setattr(nlu_process, "RASA", script)
    monkeypatch.setattr(nlu_process, "MODELS", models)
    return argv


def _argv(path: Path) -> str:
    for _ in range(100):
        if path.exists() and path.read_text().strip():
            return path.read_text()
        threading.Event().wait(0.05)
    raise AssertionError("the fake rasa never started")


def test_a_stranger_on_the_port_moves_rasa_to_a_free_port(
    server: tuple[str, dict[str, object]], fake_rasa: Path, tmp_path: Path
) -> None:
    url, _ = server  # answers 404 to /status: not Rasa
    taken = int(url.rsplit(":", 1)[1])
    started = nlu_process.start_rasa(url, tmp_path / "rasa.log")
    try:
        assert started.process is not None
        assert started.note == "port_taken" and started.taken_port == taken
        port = int(started.url.rsplit(":", 1)[1])
        assert port != taken
        assert f"--port {port}" in _argv(fake_rasa)
    finally:
        nlu_process.stop(started.process)


def test_our_own_rasa_already_serving_is_reused(
    server: tuple[str, dict[str, object]], fake_rasa: Path, tmp_path: Path
) -> None:
    url, answer = server
    answer.update(status=200, body={"model_id": "ours"})
    started = nlu_process.start_rasa(url, tmp_path / "rasa.log")
    assert started.process is None and started.url == url and started.note == "reused"


def test_a_free_port_starts_rasa_where_configured(fake_rasa: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{nlu_process.free_port()}"
    started = nlu_process.start_rasa(url, tmp_path / "rasa.log")
    try:
        assert started.url == url and started.note is None
        assert f"--port {url.rsplit(':', 1)[1]}" in _argv(fake_rasa)
    finally:
        nlu_process.stop(started.process)
