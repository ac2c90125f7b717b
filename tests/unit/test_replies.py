"""Replies: plain texts fold into the message after them; callback data stays within Telegram's
limits and forged data is refused."""

from __future__ import annotations

import pytest

from bot.core.replies import (
    Button,
    ButtonScope,
    OutgoingDocument,
    Reply,
    coalesce,
    decode_payload,
    encode_payload,
)
from tests.fakes.chat import ChatDriver
from tests.fakes.nlu import FakeNlu

MENU = ((Button("Menu", "menu", ButtonScope.GLOBAL),),)


def test_a_plain_text_is_folded_into_the_message_with_buttons_after_it() -> None:
    merged = coalesce([Reply("Tak!"), Reply("Hvad vil du gerne?", MENU, edit=True)])
    assert merged == [Reply("Tak!\n\nHvad vil du gerne?", MENU, edit=True)]


def test_documents_buttons_and_edits_are_not_folded_away() -> None:
    document = OutgoingDocument("a.pdf", b"%PDF")
    replies = [
        Reply("Her er din kvittering", document=document),
        Reply("Med knapper", MENU),
        Reply("Redigeret", edit=True),
        Reply("Til sidst"),
    ]
    assert coalesce(replies) == replies


def test_folding_never_exceeds_telegrams_limit() -> None:
    replies = [Reply("x" * 3000), Reply("y" * 2000, MENU)]
    assert coalesce(replies) == replies


async def test_small_talk_and_the_menu_arrive_as_one_message(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand("tak", "thanks")
    replies = await onboarded_chat.send("tak")
    assert len(replies) == 1
    assert replies[0].text.startswith("Det var så lidt")
    assert replies[0].buttons


@pytest.mark.parametrize("payload", ["", "x", "g:", "s:", "sx:1", "s1", "s-1:v"])
def test_forged_callback_data_is_not_decoded(payload: str) -> None:
    assert decode_payload(payload) is None


def test_callback_data_over_64_bytes_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode_payload(Button("æøå", "æ" * 40), version=1)
    assert decode_payload(encode_payload(Button("ok", "yes"), 7)) is not None
