"""Odd Telegram update shapes through the webhook and the real PTB Application.

Missing fields, huge text, unknown entity types, callbacks without a message, edited messages,
channel posts, unknown update kinds: the webhook answers (200, or 400 for what is not an update at
all, never a 500), no turn fails, nothing the bot sends is over Telegram's limit, and the chats'
saved states stay loadable.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from telegram.ext import Application

from bot.channels.telegram import MAX_MESSAGE_LENGTH
from bot.core.conversation import Conversation
from bot.store.models import DialogueState
from bot.webhook.asgi import WebhookApp
from tests.fakes.bot_api import BOT_USER, FakeBotApi

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECRET = "fuzz-secret"
UPDATE_IDS = itertools.count(500_000)
USER_IDS = itertools.count(200_000)

ENTITY_TYPES = ["bot_command", "bold", "url", "mention", "quantum_entanglement", "", "spoiler"]
UPDATE_KINDS = [
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
    "my_chat_member", "inline_query", "poll", "message_reaction", "business_message", "x_new",
]  # fmt: skip

STICKER = {
    "file_id": "s",
    "file_unique_id": "s",
    "type": "regular",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
}

texts = st.one_of(
    st.sampled_from(["/start", "/mydata", "/deletedata", "/cancel", "/apply", "dansk", "ja"]),
    st.text(max_size=200),
    st.builds(
        lambda n: "x" * n, st.integers(4000, 12000)
    ),  # Telegram caps at 4096; we don't rely on it
)


@st.composite
def entities(draw: st.DrawFn) -> list[dict[str, Any]]:
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(ENTITY_TYPES),
                    "offset": st.integers(-3, 50),
                    "length": st.integers(-3, 50),
                }
            ),
            max_size=3,
        )
    )


@st.composite
def updates(draw: st.DrawFn, user_id: int) -> dict[str, Any]:
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Fuzz"}
    if draw(st.booleans()):
        person["language_code"] = draw(st.sampled_from(["da", "en", "kl", "zz", ""]))
    chat_type = draw(st.sampled_from(["private", "private", "group", "channel", "supergroup"]))
    chat = {"id": user_id if chat_type == "private" else -user_id, "type": chat_type}
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 10**6)),
        "date": int(time.time()),
        "chat": chat,
        "from": person,
    }
    content = draw(st.sampled_from(["text", "sticker", "location", "document", "nothing"]))
    if content == "text":
        message["text"] = draw(texts)
        if draw(st.booleans()):
            message["entities"] = draw(entities())
    elif content == "sticker":
        message["sticker"] = STICKER
    elif content == "location":
        message["location"] = {
            "latitude": draw(st.floats(-90, 90)),
            "longitude": draw(st.floats(-180, 180)),
        }
    elif content == "document":
        message["document"] = {"file_id": "d", "file_unique_id": "d",
                               "file_name": draw(st.text(max_size=300))}  # fmt: skip
    for field in draw(st.lists(st.sampled_from(["chat", "from", "date", "message_id"]))):
        message.pop(field, None)  # missing fields
    kind = draw(st.sampled_from(UPDATE_KINDS))
    update: dict[str, Any] = {"update_id": next(UPDATE_IDS)}
    if kind == "callback_query":
        query: dict[str, Any] = {"id": "q", "from": person, "chat_instance": "ci"}
        if draw(st.booleans()):
            query["data"] = draw(
                st.one_of(
                    st.text(max_size=64), st.sampled_from(["g:menu", "g:go:privacy", "s1:yes"])
                )
            )
        if draw(st.booleans()):  # an inline-mode press has no message
            query["message"] = {**message, "from": BOT_USER, "text": "…"}
        update[kind] = query
    elif kind == "my_chat_member":
        update[kind] = {
            "chat": chat,
            "from": person,
            "date": 0,
            "old_chat_member": {"status": "member", "user": person},
            "new_chat_member": {"status": "kicked", "user": person, "until_date": 0},
        }
    else:
        update[kind] = message
    return update


@pytest.fixture
async def webhook_client(
    telegram_app: Application,
    conversation: Conversation,  # type: ignore[type-arg]
) -> AsyncIterator[tuple[WebhookApp, httpx.AsyncClient]]:
    app = WebhookApp(telegram_app, conversation.services, secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield app, client


@FUZZ
@given(data=st.data())
async def test_odd_updates_are_answered_and_break_nothing(
    webhook_client: tuple[WebhookApp, httpx.AsyncClient],
    conversation: Conversation,
    bot_api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    caplog.set_level(logging.INFO)
    app, client = webhook_client
    user_id = next(USER_IDS)
    before = len(bot_api.calls)
    for _ in range(data.draw(st.integers(1, 4), label="updates")):
        update = data.draw(updates(user_id), label="update")
        response = await client.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status_code == 200
    await app.drain()
    failures = [
        r
        for r in caplog.records
        if r.getMessage() in ("turn.failed", "update.failed", "webhook.update_failed")
    ]
    assert not failures, failures[0].exc_text
    for call in bot_api.calls[before:]:
        if call.method in ("sendMessage", "editMessageText"):
            assert call.text.strip() and len(call.text) <= MAX_MESSAGE_LENGTH
    with conversation.services.db.unit_of_work() as uow:
        for state in uow.session.scalars(
            select(DialogueState).where(DialogueState.chat_id.in_([user_id, -user_id]))
        ):
            assert state.journey in conversation.flows
