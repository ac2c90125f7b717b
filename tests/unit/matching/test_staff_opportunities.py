"""Staff keep opportunities up to date in chat; forged ids and non-staff change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.matching.models import Opportunity
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock


def _make_staff(conversation: Conversation, telegram_id: int, slug: str) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=telegram_id, municipality_slug=slug))


async def _open_section(chat: ChatDriver) -> list[str]:
    await chat.send("/staff")
    replies = await chat.press("Frivilligopslag")
    assert "Frivilligopslag i Sønderborg Kommune" in text_of(replies)
    return labels_of(replies)


async def test_staff_close_an_opportunity_and_citizens_no_longer_see_it(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    await _open_section(onboarded_chat)
    replies = await onboarded_chat.press("Ret eller luk")
    first = labels_of(replies)[0]
    replies = await onboarded_chat.press(first)
    assert "🔒 Luk opslaget" in labels_of(replies)
    opportunity_id = _current_op(conversation)
    replies = await onboarded_chat.press("Luk opslaget")
    assert "er lukket" in text_of(replies)
    replies = await onboarded_chat.press_payload(f"g:volunteer:more:{opportunity_id}")
    assert "findes ikke længere" in text_of(replies)


async def test_a_double_tap_on_close_leaves_the_opportunity_closed(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    await _open_section(onboarded_chat)
    replies = await onboarded_chat.press("Ret eller luk")
    await onboarded_chat.press(labels_of(replies)[0])
    opportunity_id = _current_op(conversation)
    close = onboarded_chat.payload_for("Luk opslaget")

    await onboarded_chat.press_payload(close)
    replies = await onboarded_chat.press_payload(close)

    assert "allerede lukket" in text_of(replies)
    replies = await onboarded_chat.press_payload(f"g:volunteer:more:{opportunity_id}")
    assert "findes ikke længere" in text_of(replies)


def _current_op(conversation: Conversation) -> int:
    from bot.store.models import DialogueState

    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.scalars(select(DialogueState)).one()
        return int(state.data["op"])


async def test_staff_edit_spots_with_validation(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    await _open_section(onboarded_chat)
    replies = await onboarded_chat.press("Ret eller luk")
    await onboarded_chat.press(labels_of(replies)[0])
    ident = _current_op(conversation)
    await onboarded_chat.press("Ret antal pladser")
    replies = await onboarded_chat.send("mange")
    assert "helt tal" in text_of(replies)
    replies = await onboarded_chat.send("7")
    assert "Gemt." in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.get(Opportunity, ident).spots == 7  # type: ignore[union-attr]
    # »Ingen grænse« is a button on the edit step too, as in the wizard (issue 16, reader 2).
    await onboarded_chat.press("Ret antal pladser")
    replies = await onboarded_chat.press("Ingen grænse")
    assert "Gemt." in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.get(Opportunity, ident).spots is None  # type: ignore[union-attr]


async def test_staff_create_an_opportunity_in_chat(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    await _open_section(onboarded_chat)
    await onboarded_chat.press("Nyt opslag")
    await onboarded_chat.send("Strikkeklub på plejehjemmet")
    replies = await onboarded_chat.press("Frivilligcenter Sønderborg")
    assert "I hvilken by" in text_of(replies)
    await onboarded_chat.press("Augustenborg")
    await onboarded_chat.press("Ældre")
    await onboarded_chat.press("Hverdage i dagtimerne")
    replies = await onboarded_chat.send("kort")
    assert "mellem 20 og 3.000 tegn" in text_of(replies)
    await onboarded_chat.send("Vi strikker med beboerne hver tirsdag og drikker kaffe bagefter.")
    replies = await onboarded_chat.send("3")
    assert "er oprettet" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        row = uow.session.scalars(
            select(Opportunity).where(Opportunity.title == "Strikkeklub på plejehjemmet")
        ).one()
        assert (row.town, row.municipality_slug, row.spots, row.status) == (
            "Augustenborg",
            "sonderborg",
            3,
            "open",
        )


async def test_staff_export_interests_as_csv(
    onboarded_chat: ChatDriver, conversation: Conversation, clock: FakeClock
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    # 22:30 UTC on 31 March is 00:30 on 1 April in Sønderborg (summer time): the list dates the
    # interest by the municipality's calendar, as staff there count days.
    clock.set(datetime(2027, 3, 31, 22, 30, tzinfo=UTC))
    await onboarded_chat.send("/volunteer")
    await onboarded_chat.press("Ældre")
    await onboarded_chat.press("Når som helst")
    await onboarded_chat.press("Hele Sønderborg")
    await onboarded_chat.press("Interesseret i nr. 1")
    await _open_section(onboarded_chat)
    replies = await onboarded_chat.press("Hent listen over interesserede")
    [document] = [r.document for r in replies if r.document]
    content = document.content.decode("utf-8-sig")
    assert content.splitlines()[0].startswith("interesse_id;dato;status;opslag")
    assert len(content.splitlines()) == 2 and str(onboarded_chat.user_id) in content
    assert content.splitlines()[1].split(";")[1] == "2027-04-01"


async def test_a_citizen_cannot_open_the_section(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    with conversation.services.db.unit_of_work() as uow:
        from bot.core.turn import Turn
        from bot.store.models import DialogueState, User

        user = uow.session.scalars(select(User)).one()
        state = uow.session.scalars(select(DialogueState)).one()
        turn = Turn(uow.session, conversation.services, user, state)
        await conversation.open_journey(turn, "staff_opportunities", municipality="sonderborg")
        assert "kun for kommunens medarbejdere" in "\n".join(r.text for r in turn.replies)
        assert state.journey == "menu"


async def test_staff_of_one_municipality_cannot_touch_another(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    await _open_section(onboarded_chat)
    await onboarded_chat.press("Ret eller luk")
    version = onboarded_chat.payload_for("Tilbage").split(":")[0]
    with conversation.services.db.unit_of_work() as uow:
        tonder = uow.session.scalars(
            select(Opportunity.id).where(
                Opportunity.municipality_slug == "tonder", Opportunity.status == "open"
            )
        ).first()
    replies = await onboarded_chat.press_payload(f"{version}:op:{tonder}")
    assert "findes ikke længere" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.get(Opportunity, tonder).status == "open"  # type: ignore[union-attr]
