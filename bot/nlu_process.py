"""Starting the Rasa NLU server next to the bot for `make run` (production runs it as a service)."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from bot.config import PROJECT_ROOT

log = logging.getLogger(__name__)

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS = PROJECT_ROOT / "nlu" / "models"


def latest_model() -> Path | None:
    models = sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def start_rasa(nlu_url: str, log_file: Path) -> subprocess.Popen[bytes] | None:
    """Start `rasa run --enable-api` in the background; None when Rasa or a model is missing."""
    model = latest_model()
    if not RASA.exists() or model is None:
        log.warning("nlu.not_started", extra={"reason": "no rasa venv or no trained model"})
        return None
    parsed = urlparse(nlu_url)
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
                parsed.hostname or "127.0.0.1",
                "--port",
                str(parsed.port or 5005),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )
    log.info("nlu.starting", extra={"pid": process.pid, "model": model.name})
    return process


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
