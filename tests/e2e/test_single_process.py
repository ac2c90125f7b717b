"""`frivillig run` as one process: long polling, the scheduler and the outbox dispatcher."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.channels.telegram import build_application
from bot.config import Settings
from bot.core.conversation import Conversation
from bot.delivery.dispatcher import dispatcher_task
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from scheduler.setup import scheduler_task
from tests.fakes.bot_api import FakeBotApi


async def _until(condition: object, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_polling_scheduler_and_dispatcher_run_together(
    settings: Settings, conversation: Conversation, bot_api: FakeBotApi
) -> None:
    services = conversation.services
    settings.telegram_api_base_url = bot_api.base_url
    app = build_application(
        settings,
        conversation,
        background=[scheduler_task(services), dispatcher_task(services)],
        rate_limiter=False,
    )
    with transaction(services.db) as session:
        session.add(OutboxMessage(chat_id=8181, text="Invitation til dialogmøde"))
    user = bot_api.user(9191)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)  # what run_polling() does after initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        bot_api.push_update(user.text("/start"))
        await _until(lambda: bot_api.sent(user.user_id))  # a turn, through polling
        await _until(lambda: bot_api.sent(8181))  # the outbox, through the dispatcher
        with services.db.engine.connect() as connection:  # the durable jobs, in the database
            jobs = {row[0] for row in connection.execute(text("SELECT id FROM apscheduler_jobs"))}
        await app.updater.stop()
        await app.stop()
        assert app.post_stop is not None
        await app.post_stop(app)  # what run_polling() does after stop(): the tasks end
    assert services.bot_username == "frivillig_test_bot"
    assert "Invitation til dialogmøde" in bot_api.sent(8181)[0].text
    daily = ("privacy-retention", "grants-reminders", "matching-alerts-digest")
    zones = ("Europe/Copenhagen", "America/Nuuk")  # one job per zone, at local time
    assert {f"{job}@{zone}" for job in daily for zone in zones} <= jobs
