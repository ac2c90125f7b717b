"""The NLU client against the real Rasa server with the trained model (slow: marked ``rasa``).

`make test` trains the model first; run alone with ``pytest -m rasa tests/integration``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from nlu.client import NluStatus, RasaNluClient

pytestmark = pytest.mark.rasa

REPO = Path(__file__).resolve().parents[2]
RASA = REPO / ".venv-rasa" / "bin" / "rasa"
MODEL = REPO / "nlu" / "models" / "frivillig-nlu.tar.gz"
READY_TIMEOUT_S = 120.0

TOWNS = {
    "sønderborg": ("Sønderborg", "sonderborg"),
    "sonderborg": ("Sønderborg", "sonderborg"),
    "tønder": ("Tønder", "tonder"),
    "nuuk": ("Nuuk", "sermersooq"),
}


def resolve(text: str) -> tuple[str, str] | None:
    return TOWNS.get(text.lower())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"rasa exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{base_url}/status", timeout=2.0)
            if response.status_code == 200 and response.json().get("model_id"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"rasa not ready after {READY_TIMEOUT_S:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not RASA.exists():
        pytest.skip(f"{RASA} is missing (run `make setup`)")
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing (run `make nlu-train`)")
    port = free_port()
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [str(RASA), "run", "--enable-api", "-m", str(MODEL), "-i", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, server, log)
        yield base_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
async def client(rasa_url: str) -> AsyncIterator[RasaNluClient]:
    nlu = RasaNluClient(rasa_url, timeout=10.0, resolve_place=resolve)
    yield nlu
    await nlu.aclose()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hej", "greet"),
        ("hvornår er dialogmødet?", "meeting_info"),
        ("kan jeg tilmelde mig mødet", "meeting_signup"),
        ("hvad er status på min ansøgning", "grant_status"),
        ("skal jeg have børneattest", "volunteer_faq"),
        ("kan jeg tale med en medarbejder", "human_handoff"),
        ("skift sprog til engelsk", "change_language"),
        ("hvad gør I med mine data", "privacy"),
        ("er du en robot", "bot_challenge"),
        ("hvad er vejret", "out_of_scope"),
        ("when is the grant deadline", "grant_faq"),
        ("thank you so much", "thanks"),
    ],
)
async def test_intents(client: RasaNluClient, text: str, intent: str) -> None:
    result = await client.parse(text)

    assert result.status is NluStatus.UNDERSTOOD
    assert result.intent == intent


async def test_danish_volunteering_request_with_entities(client: RasaNluClient) -> None:
    result = await client.parse("jeg vil gerne hjælpe ældre i weekenden i Sønderborg")

    assert result.intent == "find_opportunity"
    assert result.values("area") == ["elderly"]
    assert result.values("availability") == ["weekend"]
    [place] = [e for e in result.entities if e.name == "location"]
    assert (place.text, place.town, place.municipality) == (
        "Sønderborg",
        "Sønderborg",
        "sonderborg",
    )


async def test_danish_without_special_letters(client: RasaNluClient) -> None:
    result = await client.parse("jeg vil hjaelpe aeldre i sonderborg")

    assert result.intent == "find_opportunity"
    assert result.values("area") == ["elderly"]
    assert [e.municipality for e in result.entities if e.name == "location"] == ["sonderborg"]


async def test_english_volunteering_request_with_entities(client: RasaNluClient) -> None:
    result = await client.parse("i want to volunteer with refugees in Nuuk on weekends")

    assert result.intent == "find_opportunity"
    assert result.values("area") == ["refugees"]
    assert result.values("availability") == ["weekend"]
    assert result.values("location") == ["Nuuk"]


async def test_grant_application_amount(client: RasaNluClient) -> None:
    result = await client.parse("vi vil søge 12.000 kr til en udflugt")

    assert result.intent == "apply_grant"
    [amount] = [e for e in result.entities if e.name == "amount"]
    assert amount.amount == 12000


async def test_healthy(client: RasaNluClient) -> None:
    assert await client.healthy() is True


async def test_closed_port_is_unavailable_fast() -> None:
    nlu = RasaNluClient(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    started = time.monotonic()

    result = await nlu.parse("hej")

    assert result.status is NluStatus.UNAVAILABLE
    assert time.monotonic() - started < 1.0
    assert await nlu.healthy() is False
    await nlu.aclose()
