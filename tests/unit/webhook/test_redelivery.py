"""An update delivered again after its worker saved the turn but died before acknowledging it
(issue 14): the turn is not run a second time, so a typed answer is never read as the answer to
the question that came after it. Through the real webhook app and PTB Application, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from telegram.ext import Application

import bot.webhook.asgi
from bot.core.services import Services
from bot.store.models import DialogueState
from bot.webhook.asgi import WebhookApp
from bot.webhook.dedupe import update_done
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock

SECRET = "hemmelig_token-456"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
LEASE = 60.0


@pytest.fixture
def webhook(telegram_app: Application, services: Services) -> WebhookApp:  # type: ignore[type-arg]
    return WebhookApp(telegram_app, services, secret=SECRET, lease_seconds=LEASE)


@pytest.fixture
async def client(webhook: WebhookApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=webhook)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        yield http


def _place(services: Services, chat_id: int) -> tuple[str, str, int, int | None]:
    with services.db.unit_of_work() as uow:
        state = uow.session.scalars(
            select(DialogueState).where(DialogueState.chat_id == chat_id)
        ).one()
        return state.journey, state.step, state.version, state.last_update_id


def _die_before_acknowledging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker saved the turn and sent its replies, then died before marking the update
    done: to the database it looks exactly like that (a claim never finished)."""

    def died(*_args: Any) -> None:
        raise ConnectionError("worker killed")

    monkeypatch.setattr(bot.webhook.asgi, "finish_update", died)


async def test_a_typed_answer_delivered_again_is_not_read_as_the_next_answer(
    client: httpx.AsyncClient,
    webhook: WebhookApp,
    bot_api: FakeBotApi,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = bot_api.user(3838, language_code="da")
    assert (await client.post("/telegram", json=user.text("/start"), headers=HEADERS)).is_success
    answer = user.text("dansk")  # the language question's answer
    with monkeypatch.context() as patch:
        _die_before_acknowledging(patch)
        dying = await client.post("/telegram", json=answer, headers=HEADERS)
    assert dying.status_code == 503  # never acknowledged: Telegram delivers it again
    assert not update_done(services.db, int(answer["update_id"]))
    saved = _place(services, 3838)
    assert saved[:2] == ("onboarding", "municipality")
    assert saved[3] == answer["update_id"]
    before = len(bot_api.sent(3838))

    clock.advance(timedelta(seconds=LEASE + 1))  # the dead worker's claim runs out
    again = await client.post("/telegram", json=answer, headers=HEADERS)
    await webhook.drain()

    assert again.status_code == 200
    assert update_done(services.db, int(answer["update_id"]))
    replies = " ".join(call.text for call in bot_api.sent(3838)[before:])
    # Not "I cannot find »dansk« among the municipalities": the municipality question, again.
    assert "»dansk«" not in replies
    assert "Hvilken kommune" in replies
    assert _place(services, 3838) == saved  # nothing written: same step, same version
    # And the chat goes on from there as if the update had come once.
    assert (await client.post("/telegram", json=user.text("Tønder"), headers=HEADERS)).is_success
    await webhook.drain()
    assert _place(services, 3838)[:2] == ("onboarding", "consent")


async def test_a_turn_that_writes_without_moving_records_its_update(
    client: httpx.AsyncClient,
    webhook: WebhookApp,
    bot_api: FakeBotApi,
    services: Services,
) -> None:
    """/start for a newcomer writes the user and the state: recorded. A second /start of an
    onboarded chat that writes nothing leaves the record as it was (no write per read-only
    turn)."""
    user = bot_api.user(3939, language_code="da")
    start = user.text("/start")
    await client.post("/telegram", json=start, headers=HEADERS)
    await webhook.drain()
    assert _place(services, 3939)[3] == start["update_id"]
    help_ = user.text("/help")
    await client.post("/telegram", json=help_, headers=HEADERS)
    await webhook.drain()
    assert _place(services, 3939)[3] == start["update_id"]
