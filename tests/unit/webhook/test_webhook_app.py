"""The webhook ASGI app through httpx's ASGITransport: secret, de-duplication, health, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot.core.services import Services
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage, User
from bot.webhook.asgi import WebhookApp
from bot.webhook.dedupe import claim_update, prune_processed
from bot.webhook.heartbeat import SCHEDULER, beat
from bot.webhook.metrics import CountingNlu, Metrics
from bot.webhook.models import ProcessedUpdate
from tests.fakes.bot_api import FakeBotApi, TelegramUser
from tests.fakes.nlu import FakeNlu

SECRET = "hemmelig_token-123"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def webhook(telegram_app: Application, services: Services) -> WebhookApp:  # type: ignore[type-arg]
    return WebhookApp(telegram_app, services, secret=SECRET)


@pytest.fixture
async def client(webhook: WebhookApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=webhook)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        yield http


def _processed(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_handled(
    client: httpx.AsyncClient, webhook: WebhookApp, bot_api: FakeBotApi, services: Services
) -> None:
    update = bot_api.user(3131).text("/start")
    wrong = await client.post(
        "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "forkert"}
    )
    missing = await client.post("/telegram", json=update)
    assert (wrong.status_code, missing.status_code) == (403, 403)
    await webhook.drain()
    assert bot_api.sent() == []
    assert _processed(services.db) == 0


async def test_an_update_is_acknowledged_and_answered(
    client: httpx.AsyncClient, webhook: WebhookApp, bot_api: FakeBotApi
) -> None:
    user = bot_api.user(3232)
    response = await client.post("/telegram", json=user.text("/start"), headers=HEADERS)
    assert response.status_code == 200
    await webhook.drain()
    assert "velkommen" in bot_api.sent(3232)[0].text.lower()


async def test_the_same_update_twice_is_handled_once(
    client: httpx.AsyncClient, webhook: WebhookApp, bot_api: FakeBotApi
) -> None:
    update = bot_api.user(3333).text("/start")
    first = await client.post("/telegram", json=update, headers=HEADERS)
    second = await client.post("/telegram", json=update, headers=HEADERS)
    assert first.status_code == second.status_code == 200  # Telegram must stop re-sending
    await webhook.drain()
    assert len(bot_api.sent(3333)) == 1


async def test_two_workers_on_one_database_handle_an_update_once(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
    bot_api: FakeBotApi,
) -> None:
    workers = [WebhookApp(telegram_app, services, secret=SECRET) for _ in range(2)]
    update = bot_api.user(3434).text("/start")
    for worker in workers:
        transport = httpx.ASGITransport(app=worker)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            assert (await http.post("/telegram", json=update, headers=HEADERS)).status_code == 200
    for worker in workers:
        await worker.drain()
    assert len(bot_api.sent(3434)) == 1


async def test_updates_of_one_chat_are_handled_in_order(
    client: httpx.AsyncClient, webhook: WebhookApp, services: Services
) -> None:
    user = TelegramUser(3535)
    for text in ("/start", "dansk", "Tønder", "ja"):
        await client.post("/telegram", json=user.text(text), headers=HEADERS)
    await webhook.drain()
    with services.db.unit_of_work() as uow:
        row = uow.session.scalars(select(User).where(User.telegram_id == 3535)).one()
        assert (row.language, row.municipality_slug, row.onboarded) == ("da", "tonder", True)


async def test_garbage_is_refused_and_odd_shapes_are_acknowledged(
    client: httpx.AsyncClient, webhook: WebhookApp, bot_api: FakeBotApi
) -> None:
    assert (await client.post("/telegram", content=b"{nope", headers=HEADERS)).status_code == 400
    assert (await client.post("/telegram", json={"x": 1}, headers=HEADERS)).status_code == 400
    odd = {"update_id": 77, "message": {"text": "no chat, no date"}}
    assert (await client.post("/telegram", json=odd, headers=HEADERS)).status_code == 200
    await webhook.drain()
    assert bot_api.sent() == []
    assert (await client.get("/telegram")).status_code == 405
    assert (await client.get("/elsewhere")).status_code == 404


def test_claims_are_pruned_after_two_days(services: Services) -> None:
    now = services.clock()
    assert claim_update(services.db, 1, now - timedelta(hours=49))
    assert claim_update(services.db, 2, now)
    assert not claim_update(services.db, 2, now)
    assert prune_processed(services.db, now - timedelta(hours=48)) == 1
    assert _processed(services.db) == 1


async def test_health_reports_each_component(client: httpx.AsyncClient, services: Services) -> None:
    async def healthy() -> bool:
        return True

    services.nlu.healthy = healthy
    response = await client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["components"]["database"]["ok"] is True
    assert body["components"]["nlu"] == {"ok": True}
    assert body["components"]["scheduler"]["ok"] is False  # no scheduler has beaten yet
    assert body["status"] == "degraded"

    beat(services.db, SCHEDULER, services.clock())
    body = (await client.get("/healthz")).json()
    assert body["status"] == "ok" and body["components"]["scheduler"]["ok"] is True

    beat(services.db, SCHEDULER, services.clock() - timedelta(minutes=5))
    body = (await client.get("/healthz")).json()
    assert body["components"]["scheduler"]["ok"] is False  # a stuck scheduler is noticed


async def test_health_without_a_database_is_503(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
) -> None:
    from dataclasses import replace

    broken = replace(services, db=Database("postgresql://nobody@127.0.0.1:1/none"))
    app = WebhookApp(telegram_app, broken, secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["components"]["database"]["ok"] is False


async def test_metrics_count_updates_latency_nlu_failures_and_backlog(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
    nlu: FakeNlu,
) -> None:
    metrics = Metrics()
    services.nlu = CountingNlu(nlu, metrics)
    nlu.down = True
    app = WebhookApp(telegram_app, services, secret=SECRET, metrics=metrics)
    with transaction(services.db) as session:
        session.add_all([OutboxMessage(chat_id=1, text="a"), OutboxMessage(chat_id=2, text="b")])
    user = TelegramUser(3636)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        for text in ("/start", "dansk", "Tønder", "ja", "hvad kan jeg hjælpe med?"):
            await http.post("/telegram", json=user.text(text), headers=HEADERS)
            await app.drain()
        await http.post("/telegram", json=user.callback("g:menu", 1), headers=HEADERS)
        await app.drain()
        response = await http.get("/metrics")
    text = response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert 'frivillig_updates_total{kind="message"} 5.0' in text
    assert 'frivillig_updates_total{kind="callback_query"} 1.0' in text
    assert "frivillig_turn_seconds_count 6.0" in text
    assert "frivillig_nlu_failures_total 1.0" in text
    assert "frivillig_outbox_backlog 2.0" in text


async def test_many_chats_at_once_while_the_nlu_thinks(
    client: httpx.AsyncClient,
    webhook: WebhookApp,
    services: Services,
    bot_api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Turns of different chats overlap in webhook mode; on SQLite they must not wait on each
    other's write lock inside the event loop."""
    import asyncio

    class SlowNlu(FakeNlu):
        async def parse(self, text: str) -> Any:
            await asyncio.sleep(0.02)
            return await super().parse(text)

    services.nlu = SlowNlu()
    users = [bot_api.user(3700 + n) for n in range(4)]
    for user in users:
        for text in ("/start", "dansk", "Tønder", "ja"):
            await client.post("/telegram", json=user.text(text), headers=HEADERS)
    await webhook.drain()
    for user in users:
        await client.post("/telegram", json=user.text("noget helt andet"), headers=HEADERS)
    await webhook.drain()
    assert not [r for r in caplog.records if r.getMessage() == "turn.failed"]
    for user in users:
        answer = " ".join(call.text for call in bot_api.sent(user.user_id)[-2:])
        assert "ikke sikker på, hvad du mener" in answer


async def test_health_and_metrics_only_on_the_internal_port(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
    bot_api: FakeBotApi,
) -> None:
    """A worker listening on 0.0.0.0 must not show its health and metrics to the internet."""
    webhook = WebhookApp(telegram_app, services, secret=SECRET, internal_port=9090)
    transport = httpx.ASGITransport(app=webhook)
    async with httpx.AsyncClient(transport=transport) as http:
        public, internal = "http://bot:8080", "http://bot:9090"
        assert (await http.get(f"{public}/healthz")).status_code == 404
        assert (await http.get(f"{public}/metrics")).status_code == 404
        assert (await http.get(f"{internal}/healthz")).status_code == 200
        assert b"frivillig_updates" in (await http.get(f"{internal}/metrics")).content
        update = bot_api.user(3535).text("/start")
        assert (
            await http.post(f"{internal}/telegram", json=update, headers=HEADERS)
        ).status_code == 404
        assert (
            await http.post(f"{public}/telegram", json=update, headers=HEADERS)
        ).status_code == 200
    await webhook.drain()
    assert len(bot_api.sent(3535)) == 1


async def test_a_slow_health_query_does_not_hold_up_updates(
    client: httpx.AsyncClient,
    webhook: WebhookApp,
    bot_api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database part of /healthz blocks until the update posted meanwhile has been answered;
    that can only happen when the health SQL runs in a thread, not on the event loop (on the loop,
    the update would wait for the health check, which waits for the update: the wait times out).
    No timing: ordering only, so a busy machine cannot make it fail."""
    import asyncio
    import threading

    from bot.webhook import health

    update_answered = threading.Event()
    saw_the_update_answered: list[bool] = []

    def slow_database(services: Services) -> dict[str, Any]:
        saw_the_update_answered.append(update_answered.wait(timeout=20))
        return {"ok": True}

    monkeypatch.setattr(health, "_database", slow_database)
    probe = asyncio.create_task(client.get("/healthz"))
    await asyncio.sleep(0.05)
    update = bot_api.user(3636).text("/start")
    response = await client.post("/telegram", json=update, headers=HEADERS)
    update_answered.set()
    assert response.status_code == 200
    assert (await probe).status_code == 200
    assert saw_the_update_answered == [True]
    await webhook.drain()


def test_a_claim_never_finished_is_taken_over_after_its_lease(services: Services) -> None:
    """The worker that claimed update 7 died before handling it: after the lease another worker
    takes it; a handled update is never taken again."""
    from bot.webhook.dedupe import finish_update, update_done

    now = services.clock()
    assert claim_update(services.db, 7, now - timedelta(seconds=61))
    assert not claim_update(services.db, 7, now - timedelta(seconds=30), lease=60)
    assert claim_update(services.db, 7, now, lease=60)  # taken over
    assert not update_done(services.db, 7)
    finish_update(services.db, 7, now)
    assert update_done(services.db, 7)
    assert not claim_update(services.db, 7, now + timedelta(hours=1), lease=60)


async def test_a_redelivery_while_the_update_is_in_hand_is_not_acknowledged(
    client: httpx.AsyncClient, webhook: WebhookApp, bot_api: FakeBotApi, services: Services
) -> None:
    """503 while another worker holds the claim (Telegram tries again later), 200 once done."""
    update = bot_api.user(3737).text("/start")
    claim_update(services.db, int(update["update_id"]), services.clock())  # another worker's
    assert (await client.post("/telegram", json=update, headers=HEADERS)).status_code == 503
    assert bot_api.sent(3737) == []
    from bot.webhook.dedupe import finish_update

    finish_update(services.db, int(update["update_id"]), services.clock())
    assert (await client.post("/telegram", json=update, headers=HEADERS)).status_code == 200
    assert bot_api.sent(3737) == []
