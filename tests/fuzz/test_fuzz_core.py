"""Random text, random button payloads and random event kinds through `Conversation.handle`.

Properties: no exception escapes, no turn fails inside the core (a failure is logged as
`turn.failed`), every reply says something and fits Telegram once split, and the chat's saved
state is still loadable and points at a journey that exists.
"""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.telegram import MAX_MESSAGE_LENGTH, split_text
from bot.core.conversation import Conversation
from bot.core.events import Event, EventKind, IncomingDocument
from bot.core.replies import Reply
from bot.store.models import DialogueState
from tests.fakes.chat import ChatDriver
from tests.fakes.nlu import FakeNlu

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis/ folder: CI stays clean, runs are reproducible by seed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Each example gets three chats nobody used before, so examples do not depend on each other.
FIRST_USERS = itertools.count(100_000, 3)
WORDS = [
    "/start", "/help", "/cancel", "/menu", "/language", "/volunteer", "/apply", "/meetings",
    "/staff", "/mydata", "/deletedata", "/start volunteer-1", "/start meetings-999",
    "/start grants-x", "/nonsense", "dansk", "english", "Sønderborg", "Tønder", "Nuuk",
    "ja", "nej", "hjælp", "12.000 kr", "0", "-1", "", " ", "\u200b", "<b>x</b>", "&amp;",
]  # fmt: skip
JOURNEYS = ["menu", "volunteer", "grants", "meetings", "staff", "privacy", "settings", "x"]

texts = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=300),
    st.text(alphabet="æøåÆØÅ/ -:0123456789abc", max_size=80),
    st.builds(lambda n: "ø" * n, st.integers(1900, 5000)),  # over the core's length limit
)
payloads = st.one_of(
    st.text(max_size=70),
    st.builds("g:{}".format, st.text(max_size=60)),
    st.builds("g:go:{}".format, st.sampled_from(JOURNEYS)),
    st.builds(
        "g:{}:{}:{}".format,
        st.sampled_from(JOURNEYS),
        st.sampled_from(["rsvp", "open", "status", "view", "x", ""]),
        st.one_of(st.integers(-5, 10**12).map(str), st.text(max_size=10)),
    ),
    st.builds("s{}:{}".format, st.integers(0, 50), st.text(min_size=1, max_size=40)),
    st.sampled_from(["g:lang:kl", "g:lang:zz", "g:langpick", "g:menu", "g:help", "g:faq:x"]),
)
floats = st.floats(allow_nan=True, allow_infinity=True)


@st.composite
def events(draw: st.DrawFn, seen: list[str], first_user: int) -> Event:
    user = first_user + draw(st.integers(0, 2))
    kind = draw(st.sampled_from(list(EventKind)))
    common = {"language_code": draw(st.sampled_from(["da", "en", "kl", "de-AT", None]))}
    if kind in (EventKind.TEXT, EventKind.COMMAND):
        return Event.from_text(user, user, draw(texts), **common)
    if kind is EventKind.BUTTON:
        # Mostly buttons the bot really showed (to get deep into journeys), some forged.
        # (What is drawn never depends on `seen`, so Hypothesis can replay an example.)
        real, index, forged = draw(st.booleans()), draw(st.integers(0, 10**6)), draw(payloads)
        payload = seen[index % len(seen)] if real and seen else forged
        return Event(EventKind.BUTTON, user, user, payload=payload, message_id=1, **common)
    if kind is EventKind.LOCATION:
        return Event(kind, user, user, latitude=draw(floats), longitude=draw(floats), **common)
    if kind is EventKind.DOCUMENT:
        document = IncomingDocument(
            draw(st.text(max_size=20)),
            draw(st.text(max_size=300)),
            draw(st.one_of(st.none(), st.sampled_from(["application/pdf", "image/png", "x/y"]))),
            draw(st.one_of(st.none(), st.integers(-1, 10**10))),
        )
        return Event(kind, user, user, document=document, **common)
    return Event(kind, user, user, **common)


def _check_replies(replies: list[Reply]) -> None:
    for reply in replies:
        assert reply.text.strip() or reply.document is not None, "an empty message"
        assert all(len(part) <= MAX_MESSAGE_LENGTH for part in split_text(reply.text))
        for row in reply.payloads:
            for payload in row:
                assert len(payload.encode()) <= 64


def _check_state(conversation: Conversation, chat_id: int) -> None:
    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.scalars(
            select(DialogueState).where(DialogueState.chat_id == chat_id)
        ).one_or_none()
        if state is None:  # erased by /deletedata, or never written
            return
        assert state.journey in conversation.flows, state.journey
        assert isinstance(state.data, dict)


@pytest.fixture
def nlu_with_intents(nlu: FakeNlu) -> FakeNlu:
    nlu.understand("hjælp", "help")
    nlu.understand("12.000 kr", "apply_grant")
    nlu.understand("Nuuk", "find_opportunity")
    return nlu


@FUZZ
@given(data=st.data())
async def test_random_events_never_break_a_chat(
    conversation: Conversation,
    nlu_with_intents: FakeNlu,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core")
    first_user = next(FIRST_USERS)
    # One of the three chats starts at the main menu, so the fuzz reaches into the journeys.
    veteran = ChatDriver(conversation, first_user)
    await veteran.onboard()
    seen = [p for r in veteran.history[-1:] for row in r.payloads for p in row]
    for _ in range(data.draw(st.integers(1, 8), label="turns")):
        # NaN and infinite coordinates included: Telegram never sends them, the core must not care.
        event = data.draw(events(seen, first_user), label="event")
        replies = await conversation.handle(event)
        _check_replies(replies)
        _check_state(conversation, event.chat_id)
        seen.extend(p for r in replies for row in r.payloads for p in row)
        failed = [r for r in caplog.records if r.getMessage() == "turn.failed"]
        assert not failed, failed[0].exc_text
