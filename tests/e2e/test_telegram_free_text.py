"""Free text with typos through the real PTB Application against the fake Bot API, with the bot's
real NLU client (built as `bot.app.build_nlu` builds it) in front of a fake Rasa that answers
what the trained model answers for such a sentence: the intent, one entity it could not map, and
nothing for the misspelt time and town (issue 12 §3)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.app import build_nlu
from bot.config import Settings
from bot.core.services import Services
from bot.directory import Directory
from bot.store.database import Database
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.matching.conftest import NOW
from tests.unit.matching.seeding import ensure_seeded

TYPED = "jeg vil gærne hjælpe ældere i weeknden i Sønderbrog"


def fake_rasa(request: httpx.Request) -> httpx.Response:
    text = json.loads(request.content)["text"]
    entities: list[dict[str, Any]] = []
    if "ældere" in text:
        start = text.index("ældere")
        entities.append({"entity": "area", "value": "ældere", "start": start, "end": start + 6})
    return httpx.Response(
        200,
        json={
            "text": text,
            "intent": {"name": "find_opportunity", "confidence": 0.92},
            "entities": entities,
            "intent_ranking": [{"name": "find_opportunity", "confidence": 0.92}],
        },
    )


@pytest.fixture
def nlu(settings: Settings) -> object:  # type: ignore[override]
    directory = Directory.load(settings.data_dir)
    return build_nlu(settings, directory, transport=httpx.MockTransport(fake_rasa))


@pytest.fixture
def database(database: Database) -> Database:
    return ensure_seeded(database)


@pytest.fixture
def services(services: Services) -> Services:
    """The clock stopped at NOW, when the seed data is current (as in tests/unit/matching)."""
    services.clock = FakeClock(NOW)
    return services


async def test_a_search_typed_with_typos_keeps_what_it_said(telegram: TelegramDriver) -> None:
    await telegram.onboard()

    calls = await telegram.send(TYPED)

    shown = texts(calls)
    assert "Jeg søger efter:" in shown
    understood = shown[shown.index("Jeg søger efter:") :].split("\n")[0]
    assert "ældre" in understood and "weekend" in understood.lower()
    assert "Sønderborg" in understood
    # Nothing is asked again: area, time and town were all understood, so the results come.
    assert "Hvem vil du gerne hjælpe?" not in shown
    assert "Hvornår har du tid?" not in shown
    assert "<b>1. " in shown
