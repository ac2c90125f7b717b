"""Companies (issue 18 §4): a company registers in chat with validation at every answer,
changes and withdraws the registration; staff see their municipality's companies and tell an
association about an offer (the contact only with the company's consent); the referral is
checked again when sent; /mydata and /deletedata cover it; NLU and buttons both lead there."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.companies import service
from bot.companies.models import Company, CompanyReferral
from bot.core.conversation import Conversation
from bot.privacy.service import erase_user, export_user_data
from bot.staff.access import NotStaffError
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.nlu import FakeNlu
from tests.unit.delivery.test_dispatcher import drain
from tests.unit.meetings.conftest import NOW, STAFF_ID, make_staff
from tests.unit.meetings.events import association

CHAIR_ID = 6101


async def register(chat: ChatDriver, *, share: bool, name: str = "Byg & Co ApS") -> list[object]:
    """Register a company through the buttons and typed answers, checking each refusal."""
    replies = await chat.press("For virksomheder")
    assert "Registrér virksomheden her" in text_of(replies)
    replies = await chat.press("Registrér virksomheden")
    assert "Hvad hedder virksomheden" in text_of(replies)
    await chat.send(name)
    replies = await chat.send("1234 5678")
    assert "12345678 er ikke et gyldigt CVR-nummer" in text_of(replies)
    await chat.send("DK 12 34 56 74")
    await chat.send("Mette Hansen")
    replies = await chat.send("ring til mig")
    assert "hverken en e-mailadresse eller et telefonnummer" in text_of(replies)
    replies = await chat.send("mette@byg.dk")
    assert "Hvad kan virksomheden tilbyde" in text_of(replies)
    replies = await chat.press("Færdig")
    assert "Vælg mindst én" in text_of(replies)
    replies = await chat.press("Faglig hjælp med IT")
    assert "✅ Faglig hjælp med IT" in labels_of(replies)
    await chat.press("Undervisere til kurser")
    await chat.press("Varer og udstyr")
    replies = await chat.press("Varer og udstyr")  # pressed again: not chosen after all
    assert "▫️ Varer og udstyr" in labels_of(replies)
    replies = await chat.send("færdig")  # typed at a button step: the draft is kept
    assert "Her vælger du med knapperne" in text_of(replies)
    replies = await chat.press("Færdig")
    assert "Må kommunen give kontaktpersonens navn" in text_of(replies)
    replies = await chat.press("Ja, giv oplysningerne videre" if share else "Nej, kun gennem")
    text = text_of(replies)
    assert "CVR-nummer: 12345674" in text
    assert "Tilbyder: Faglig hjælp med IT, Undervisere til kurser" in text
    assert "Byg &amp; Co ApS" in text  # escaped, as every typed value
    return await chat.press("Gem registreringen")


async def test_a_company_registers_changes_and_withdraws(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    replies = await register(onboarded_chat, share=True)
    assert "Byg &amp; Co ApS er registreret hos kommunen" in text_of(replies)
    assert "Din virksomhed er registreret" in text_of(replies)
    await onboarded_chat.press("Ret oplysningerne")
    replies = await onboarded_chat.press("Navn")
    assert "Hvad hedder virksomheden" in text_of(replies)
    replies = await onboarded_chat.send("Byg og Anlæg ApS")
    assert "<b>Byg og Anlæg ApS</b>" in text_of(replies)
    assert "Mette Hansen, mette@byg.dk" in text_of(replies)  # the rest is kept
    replies = await onboarded_chat.press("Gem registreringen")
    assert "Oplysningerne om Byg og Anlæg ApS er gemt" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        company = uow.session.scalars(select(Company)).one()
        assert (company.name, company.municipality_slug) == ("Byg og Anlæg ApS", "sonderborg")
        assert company.offers == ["skills_it", "lecturers"] and company.share_contact
    replies = await onboarded_chat.press("Træk registreringen tilbage")
    assert "Er du sikker?" in text_of(replies)
    await onboarded_chat.press("Nej, behold den")
    await onboarded_chat.press("Træk registreringen tilbage")
    yes = onboarded_chat.payload_for("Ja, træk den tilbage")
    replies = await onboarded_chat.press_payload(yes)
    assert "trukket tilbage" in text_of(replies)
    replies = await onboarded_chat.press_payload(yes)  # the double tap
    assert "allerede trukket tilbage" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Company)) == 0


async def test_afbryd_saves_nothing(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    await onboarded_chat.send("/company")
    await onboarded_chat.press("Registrér virksomheden")
    await onboarded_chat.send("Byg ApS")
    replies = await onboarded_chat.press("Afbryd")
    assert "der er ikke gemt noget" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Company)) == 0


async def test_only_a_greenlandic_company_is_told_about_its_old_ger_number(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    """GER numbers became CVR numbers in Greenland in 2018: Sermersooq's data says so after the
    question; a Danish company is asked for its 8 digits only (issue 16 review, item G)."""
    await onboarded_chat.send("/company")
    await onboarded_chat.press("Registrér virksomheden")
    replies = await onboarded_chat.send("Byg ApS")
    assert "Skriv de 8 cifre, fx 12 34 56 74." in text_of(replies)
    assert "GER" not in text_of(replies)
    nuuk = ChatDriver(conversation, 6102)
    await nuuk.onboard(municipality="Sermersooq")
    await nuuk.send("/company")
    await nuuk.press("Registrér virksomheden")
    replies = await nuuk.send("Nuuk Byg ApS")
    assert (
        "fx 12 34 56 74. Havde virksomheden et GER-nummer, blev det til et CVR-nummer i 2018"
        in (text_of(replies))
    )
    replies = await nuuk.send("GER-nr. 12663765")  # an old GER number, read as its CVR number
    assert "kontaktperson" in text_of(replies).lower()


async def _staff_chat(conversation: Conversation) -> ChatDriver:
    make_staff(conversation)
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    await staff.send("/staff")
    return staff


async def _chair(conversation: Conversation) -> ChatDriver:
    chair = ChatDriver(conversation, user_id=CHAIR_ID)
    await chair.onboard()
    association(conversation, name="Ældre Sagen Sønderborg", contact_telegram_id=CHAIR_ID)
    return chair


def _texts_to(conversation: Conversation, chat_id: int) -> list[str]:
    with conversation.services.db.unit_of_work() as uow:
        return list(
            uow.session.scalars(select(OutboxMessage.text).where(OutboxMessage.chat_id == chat_id))
        )


async def test_staff_pass_an_offer_on_with_the_contact_when_the_company_agreed(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    await register(onboarded_chat, share=True)
    await _chair(conversation)
    staff = await _staff_chat(conversation)
    replies = await staff.press("Virksomheder")
    assert "1 virksomhed er registreret" in text_of(replies)
    assert "Byg &amp; Co ApS</b> – Faglig hjælp med IT, Undervisere til kurser" in text_of(replies)
    await staff.press("Byg & Co ApS")
    replies = await staff.press("Fortæl en forening om tilbuddet")
    assert "har sagt ja til, at foreningen får kontaktpersonens navn" in text_of(replies)
    send = staff.payload_for("Ældre Sagen Sønderborg")
    replies = await staff.press_payload(send)
    assert "Ældre Sagen Sønderborg får besked om tilbuddet fra Byg &amp; Co ApS" in text_of(replies)
    await staff.press("Fortæl en forening om tilbuddet")
    replies = await staff.press("Ældre Sagen Sønderborg")
    assert "har allerede fået besked" in text_of(replies)
    [told] = _texts_to(conversation, CHAIR_ID)
    assert "En virksomhed vil gerne hjælpe: Byg &amp; Co ApS" in told
    assert "Kontaktoplysninger: Mette Hansen, mette@byg.dk" in told


async def test_without_consent_the_association_gets_the_offer_but_not_the_contact(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    await register(onboarded_chat, share=False)
    await _chair(conversation)
    staff = await _staff_chat(conversation)
    await staff.press("Virksomheder")
    await staff.press("Byg & Co ApS")
    replies = await staff.press("Fortæl en forening om tilbuddet")
    assert "har ikke sagt ja til at dele sine kontaktoplysninger" in text_of(replies)
    await staff.press("Ældre Sagen Sønderborg")
    [told] = _texts_to(conversation, CHAIR_ID)
    assert "Undervisere til kurser" in told
    assert "mette@byg.dk" not in told and "Mette Hansen" not in told
    assert "gennem kommunen" in told


async def test_an_offer_queued_before_the_company_withdrew_is_not_sent(
    onboarded_chat: ChatDriver,
    conversation: Conversation,
    bot_api: FakeBotApi,
    frozen: datetime,
) -> None:
    await register(onboarded_chat, share=True)
    await _chair(conversation)
    staff = await _staff_chat(conversation)
    await staff.press("Virksomheder")
    await staff.press("Byg & Co ApS")
    await staff.press("Fortæl en forening om tilbuddet")
    await staff.press("Ældre Sagen Sønderborg")
    await onboarded_chat.send("/company")
    await onboarded_chat.press("Træk registreringen tilbage")
    await onboarded_chat.press("Ja, træk den tilbage")
    await drain(conversation.services.db, bot_api, clock=lambda: NOW)
    assert not [c for c in bot_api.sent(CHAIR_ID) if "Byg" in c.text]


async def test_staff_of_another_municipality_see_no_companies_here(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    await register(onboarded_chat, share=True)
    make_staff(conversation, telegram_id=7009, slug="tonder")
    staff = ChatDriver(conversation, user_id=7009)
    await staff.onboard(municipality="Tønder")
    await staff.send("/staff")
    replies = await staff.press("Virksomheder")
    assert "0 virksomheder er registreret" in text_of(replies)
    assert "Byg" not in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        company_id = uow.session.scalars(select(Company.id)).one()
    # An id from a forged payload: Tønder's staff cannot read Sønderborg's company.
    with transaction(conversation.services.db) as session, pytest.raises(NotStaffError):
        service.staff_company(session, 7009, company_id)


async def test_mydata_and_deletedata_cover_the_registration(
    onboarded_chat: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    await register(onboarded_chat, share=True)
    await _chair(conversation)
    staff = await _staff_chat(conversation)
    await staff.press("Virksomheder")
    await staff.press("Byg & Co ApS")
    await staff.press("Fortæl en forening om tilbuddet")
    await staff.press("Ældre Sagen Sønderborg")
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == onboarded_chat.user_id)).one()
        exported = json.dumps(export_user_data(session, user, NOW), ensure_ascii=False)
        assert "Byg & Co ApS" in exported and "mette@byg.dk" in exported
        assert "test-forening" in exported  # whom the offer was passed on to
        staff_user = session.scalars(select(User).where(User.telegram_id == STAFF_ID)).one()
        erase_user(session, staff_user, NOW)
    with conversation.services.db.unit_of_work() as uow:
        referral = uow.session.scalars(select(CompanyReferral)).one()
        assert referral.created_by is None  # the staff member is gone, the referral stays
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == onboarded_chat.user_id)).one()
        erase_user(session, user, NOW)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Company)) == 0
        assert uow.session.scalar(select(func.count()).select_from(CompanyReferral)) == 0


async def test_company_register_intent_opens_the_registration(
    onboarded_chat: ChatDriver, nlu: FakeNlu, frozen: datetime
) -> None:
    nlu.understand("vores firma vil gerne hjælpe", "company_register")
    replies = await onboarded_chat.send("vores firma vil gerne hjælpe")
    assert "Registrér virksomheden her" in text_of(replies)


async def test_with_the_nlu_down_the_menu_button_leads_there(
    onboarded_chat: ChatDriver, nlu: FakeNlu, frozen: datetime
) -> None:
    nlu.down = True
    replies = await onboarded_chat.send("vores firma vil gerne hjælpe")
    assert "knapperne virker" in text_of(replies)
    replies = await onboarded_chat.press("For virksomheder")
    assert "Registrér virksomheden her" in text_of(replies)
