"""»Kassér kladden« asks »Er du sikker?« first (issue 12): the meeting or notice draft is gone only
after »Ja, kassér kladden«, »Nej, behold kladden« keeps every answer, and a second press of the
confirm does nothing again."""

from __future__ import annotations

import pytest

from bot.core.conversation import Conversation
from bot.store.models import DialogueState
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.unit.meetings.conftest import STAFF_ID, make_staff


@pytest.fixture
async def staff(conversation: Conversation, frozen: object) -> ChatDriver:
    make_staff(conversation)
    chat = ChatDriver(conversation, user_id=STAFF_ID)
    await chat.onboard()
    return chat


def state_of(conversation: Conversation) -> tuple[str, dict[str, object]]:
    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.get(DialogueState, STAFF_ID)
        assert state is not None
        return state.step, dict(state.data or {})


async def half_a_meeting(staff: ChatDriver) -> None:
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Nyt dialogmøde")
    await staff.send("Dialogmøde om frivillighed 2027")
    replies = await staff.send("15/3-2027 kl. 17")
    assert "Kassér kladden" in labels_of(replies)


async def test_discarding_a_meeting_draft_asks_first_and_keep_leaves_it(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await half_a_meeting(staff)
    replies = await staff.press("Kassér kladden")
    assert "Er du sikker?" in text_of(replies)
    assert labels_of(replies) == ["Ja, kassér kladden", "Nej, behold kladden"]
    assert "er kasseret" not in text_of(replies)
    assert state_of(conversation)[1]["draft"]  # nothing thrown away yet

    replies = await staff.press("Nej, behold kladden")
    assert "kladden er der stadig" in text_of(replies)
    assert "Hvornår slutter mødet" in text_of(replies) or "slutter" in text_of(replies)
    step, data = state_of(conversation)
    assert step == "m:ends_at" and "back" not in data
    draft = data["draft"]
    assert isinstance(draft, dict)
    assert draft["title"] == "Dialogmøde om frivillighed 2027" and "starts_at" in draft
    replies = await staff.send("20")  # the wizard goes on where it was
    assert state_of(conversation)[0] == "m:place"


async def test_a_meeting_draft_is_discarded_only_after_the_confirm_and_only_once(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await half_a_meeting(staff)
    await staff.press("Kassér kladden")
    confirm = staff.payload_for("Ja, kassér kladden")
    replies = await staff.press_payload(confirm)
    assert "Kladden er kasseret." in text_of(replies)
    step, data = state_of(conversation)
    assert step == "home" and "draft" not in data
    replies = await staff.press_payload(confirm)  # the double tap
    assert "allerede kasseret" in text_of(replies)
    assert "Kladden er kasseret." not in text_of(replies)


async def test_typed_text_at_the_confirm_asks_again_and_loses_nothing(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await half_a_meeting(staff)
    await staff.press("Kassér kladden")
    for typed in ("1", "ja"):  # neither a number nor a word is taken for the button
        replies = await staff.send(typed)
        assert "Kladden er kasseret." not in text_of(replies)
        assert "Er du sikker?" in text_of(replies)
        step, data = state_of(conversation)
        assert step == "discard" and data["draft"]


async def test_discarding_a_notice_asks_first(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Send en nyhed")
    await staff.press("Nyt om en høring")
    await staff.send("Ny frivillighedspolitik i høring")
    replies = await staff.press("Kassér kladden")
    assert "Er du sikker?" in text_of(replies) and "nyheden" in text_of(replies)
    replies = await staff.press("Nej, behold kladden")
    assert "Skriv" in text_of(replies)  # the body question again
    step, data = state_of(conversation)
    notice = data["notice"]
    assert step == "n:body" and isinstance(notice, dict)
    assert notice["title"] == "Ny frivillighedspolitik i høring"

    await staff.press("Kassér kladden")
    replies = await staff.press("Ja, kassér kladden")
    assert "Kladden er kasseret." in text_of(replies)
    step, data = state_of(conversation)
    assert step == "home" and "notice" not in data


async def test_typed_text_at_the_preview_keeps_the_meeting_draft(
    staff: ChatDriver, conversation: Conversation
) -> None:
    from tests.unit.meetings.test_staff_meetings import fill_wizard

    await fill_wizard(staff)
    assert state_of(conversation)[0] == "m:preview"
    replies = await staff.send("hmm, er det rigtigt?")
    assert "vælger du med knapperne" in text_of(replies)
    assert "Hvad vil du gerne gøre?" not in text_of(replies)  # not thrown out to the menu
    step, data = state_of(conversation)
    draft = data["draft"]
    assert step == "m:preview" and isinstance(draft, dict)
    assert draft["title"] == "Dialogmøde om frivillighed 2027"
    assert any("Send til" in label for label in labels_of(replies))


async def test_typed_text_at_a_notice_button_step_keeps_the_notice(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Send en nyhed")
    await staff.press("Nyt om en høring")
    await staff.send("Ny frivillighedspolitik i høring")
    await staff.send("Kom med jeres input.")
    replies = await staff.send("alle borgere")  # the audience is a button
    assert "vælger du med knapperne" in text_of(replies)
    step, data = state_of(conversation)
    notice = data["notice"]
    assert step == "n:audience" and isinstance(notice, dict)
    assert notice["body"] == "Kom med jeres input."
