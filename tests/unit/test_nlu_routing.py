"""Free text through the core with a fake NLU: intents open journeys, down or unsure is honest."""

from __future__ import annotations

from nlu.client import Entity
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.nlu import FakeNlu


async def test_nlu_down_gives_an_honest_answer_and_the_menu(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.down = True
    replies = await onboarded_chat.send("jeg vil gerne hjælpe ældre")
    assert "knapperne virker" in text_of(replies)
    assert any("frivillig" in label.lower() for label in labels_of(replies))


async def test_whitespace_only_text_is_not_understood_and_not_sent_to_the_nlu(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    for text in ("   ", "\u3164", "\u200b"):
        replies = await onboarded_chat.send(text)
        assert "ikke sikker" in text_of(replies)
        assert "knapperne virker" not in text_of(replies)
    assert nlu.calls == []


async def test_unsure_nlu_says_so(onboarded_chat: ChatDriver) -> None:
    replies = await onboarded_chat.send("blablabla")
    assert "ikke sikker" in text_of(replies)


async def test_small_talk_in_the_users_language(onboarded_chat: ChatDriver, nlu: FakeNlu) -> None:
    nlu.understand("tak", "thanks")
    assert "Det var så lidt" in text_of(await onboarded_chat.send("tak"))


async def test_human_handoff_gives_the_municipalitys_contact(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand("kan jeg tale med en medarbejder", "human_handoff")
    replies = await onboarded_chat.send("kan jeg tale med en medarbejder")
    assert "Sønderborg Kommune" in text_of(replies)
    assert "@" in text_of(replies)


async def test_faq_answers_from_the_municipalitys_faq(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand("skal jeg have børneattest", "volunteer_faq")
    replies = await onboarded_chat.send("skal jeg have børneattest")
    assert "børneattest" in text_of(replies).lower()


async def test_user_text_is_escaped(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.send("/start")
    replies = await onboarded_chat.send("/<b>x</b>")
    assert "<b>x</b>" not in text_of(replies)


async def test_find_opportunity_opens_the_volunteer_journey_or_says_it_is_coming(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand("jeg vil hjælpe ældre", "find_opportunity", Entity("area", "elderly", "ældre"))
    replies = await onboarded_chat.send("jeg vil hjælpe ældre")
    assert replies and "ikke sikker" not in text_of(replies)


async def test_award_nomination_opens_the_award_and_nlu_down_leaves_a_button_to_it(
    chat: ChatDriver, nlu: FakeNlu
) -> None:
    await chat.onboard("Solrød")
    nlu.understand("jeg vil indstille min nabo til frivillighedsprisen", "award_nomination")
    replies = await chat.send("jeg vil indstille min nabo til frivillighedsprisen")
    assert "Frivillighedspris" in text_of(replies)  # no round open: said so, with the menu
    nlu.down = True
    replies = await chat.send("frivillighedspris")
    assert "🏆 Indstil til frivillighedsprisen" in labels_of(replies)


async def test_consultation_answer_opens_the_consultations_and_nlu_down_leaves_a_button(
    chat: ChatDriver, nlu: FakeNlu
) -> None:
    await chat.onboard("Kommuneqarfik Sermersooq")
    nlu.understand("jeg vil svare på høringen", "consultation_answer")
    replies = await chat.send("jeg vil svare på høringen")
    assert "ingen åbne høringer" in text_of(replies)
    nlu.down = True
    replies = await chat.send("høringssvar")
    assert "📝 Høringer" in labels_of(replies)
