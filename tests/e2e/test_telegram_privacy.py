"""/mydata and /deletedata through the real PTB Application against the fake Bot API."""

from __future__ import annotations

import json

from tests.fakes.telegram import TelegramDriver, texts


async def test_mydata_arrives_as_a_summary_and_a_json_file(telegram: TelegramDriver) -> None:
    await telegram.onboard()
    calls = await telegram.send("/mydata")
    assert "Det har jeg gemt om dig" in texts(calls)
    documents = [c for c in calls if c.method == "sendDocument"]
    assert len(documents) == 1
    assert (documents[0].document_name or "").startswith("frivillig-mine-data-")
    data = json.loads(documents[0].document_content or b"")
    assert data["telegram_id"] == telegram.user.user_id
    assert data["sections"]["profile"]["municipality"] == "sonderborg"
    assert "Alt, hvad jeg har gemt om dig" in documents[0].text  # the caption


async def test_deletedata_confirms_erases_and_starts_afresh(telegram: TelegramDriver) -> None:
    await telegram.onboard()
    calls = await telegram.send("/deletedata")
    assert "Skal jeg slette dine data?" in texts(calls)
    calls = await telegram.press("Ja, slet mine data")
    assert calls[0].method == "answerCallbackQuery"
    assert "Dine data er slettet" in texts(calls)
    calls = await telegram.send("/start")
    assert "velkommen" in texts(calls).lower()
    assert [label for c in calls for label, _ in c.buttons] == ["Dansk", "English", "Kalaallisut"]
