"""The matching flows' named steps: the edit buttons each lead to a step, and a staff chat saved at
a step this version does not have starts over in its municipality instead of showing nothing."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.core.conversation import Conversation
from bot.matching import upkeep
from bot.matching.staff_flow import EDIT_STEPS, EDITED_FIELD, StaffOpportunityStep
from bot.store.database import transaction
from bot.store.models import DialogueState, StaffRole
from tests.fakes.chat import ChatDriver, labels_of, text_of


def test_every_editable_field_has_its_own_edit_step() -> None:
    assert set(EDIT_STEPS) == set(upkeep.EDITABLE)
    assert {EDITED_FIELD[step] for step in EDIT_STEPS.values()} == set(upkeep.EDITABLE)
    assert all(isinstance(step, StaffOpportunityStep) for step in EDITED_FIELD)


async def test_a_staff_chat_at_an_unknown_step_starts_over_in_its_municipality(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=onboarded_chat.user_id, municipality_slug="sonderborg"))
    await onboarded_chat.send("/staff")
    await onboarded_chat.press("Frivilligopslag")
    with transaction(conversation.services.db) as session:
        # Saved by a version with a step this one does not have; the chat's move counter stays,
        # so the buttons on screen are still current.
        session.execute(update(DialogueState).values(step="edit_town"))

    replies = await onboarded_chat.press("Ret eller luk")

    assert "Frivilligopslag i Sønderborg Kommune" in text_of(replies)
    assert "➕ Nyt opslag" in labels_of(replies)
    with transaction(conversation.services.db) as session:
        state = session.scalars(select(DialogueState)).one()
        assert (state.journey, state.step) == ("staff_opportunities", StaffOpportunityStep.MAIN)
        assert state.data["m"] == "sonderborg"
