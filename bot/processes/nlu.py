"""Starting the Rasa NLU server next to the bot for `make run` (production runs it as a service)."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import tarfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlparse

import httpx

from bot.config import PROJECT_ROOT

log = logging.getLogger(__name__)

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS = PROJECT_ROOT / "nlu" / "models"


def latest_model() -> Path | None:
    models = sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


class PortOwner(StrEnum):
    """Who answers on the NLU's address before we start Rasa there."""

    FREE = "free"  # nobody: start Rasa there
    OURS = "ours"  # a Rasa serving the model we trained (`make nlu-serve` in another terminal)
    OTHER = "other"  # anything else: never talk to it


@dataclass(frozen=True)
class StartedNlu:
    """What `start_rasa` did: the process it started (None if it reused or could not start
    one), the URL the bot should parse at, and a note for the person at the terminal."""

    process: subprocess.Popen[bytes] | None
    url: str
    note: str | None = None
    taken_port: int | None = None


def model_id(model: Path) -> str | None:
    """The `model_id` Rasa wrote into the model archive's metadata.json at training time (the
    same id its `GET /status` reports for the model it serves); None if unreadable."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            for member in archive.getmembers():
                if member.name.lstrip("/") == "metadata.json":
                    handle = archive.extractfile(member)
                    if handle is None:
                        return None
                    value = json.load(handle).get("model_id")
                    return str(value) if value else None
    except (OSError, tarfile.TarError, ValueError):
        return None
    return None


def port_owner(url: str, expected_model_id: str | None, *, timeout: float = 2.0) -> PortOwner:
    """Who listens at `url`: nobody, a Rasa serving our model (by `model_id`), or something else.

    Rasa's HTTP API answers `GET /status` with the `model_id` of the model it serves.
    """
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5005
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError:
        return PortOwner.FREE
    try:
        answer = httpx.get(f"{url.rstrip('/')}/status", timeout=timeout)
        served = answer.json().get("model_id") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        served = None
    if expected_model_id is not None and served == expected_model_id:
        return PortOwner.OURS
    return PortOwner.OTHER


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_rasa(nlu_url: str, log_file: Path) -> StartedNlu:
    """Start `rasa run --enable-api` in the background at `nlu_url`, unless it is taken.

    A Rasa already serving our model there is used as it is. Anything else on that port (another
    program, another model) is never talked to: Rasa starts on a free port instead, and the
    returned URL and note say so. Without the Rasa environment or a trained model nothing is
    started and the bot runs with buttons only.
    """
    model = latest_model()
    if not RASA.exists() or model is None:
        log.warning("nlu.not_started", extra={"reason": "no rasa venv or no trained model"})
        return StartedNlu(None, nlu_url)
    parsed = urlparse(nlu_url)
    host = parsed.hostname or "127.0.0.1"
    owner = port_owner(nlu_url, model_id(model))
    if owner is PortOwner.OURS:
        log.info("nlu.reused", extra={"url": nlu_url})
        return StartedNlu(None, nlu_url, note="reused")
    port = parsed.port or 5005
    taken = None
    if owner is PortOwner.OTHER:
        taken, port = port, free_port(host)
        log.warning("nlu.port_taken", extra={"port": taken, "instead": port})
    url = f"{parsed.scheme or 'http'}://{host}:{port}"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv
            [
                str(RASA),
                "run",
                "--enable-api",
                "--model",
                str(model),
                "--interface",
                host,
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )
    log.info("nlu.starting", extra={"pid": process.pid, "model": model.name, "port": port})
    if taken is not None:
        return StartedNlu(process, url, note="port_taken", taken_port=taken)
    return StartedNlu(process, url)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
