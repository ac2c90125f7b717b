"""The grants journey through the conversation core: what a chair sees, answer by answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.app import build_conversation
from bot.core.conversation import Conversation
from bot.core.events import IncomingDocument
from bot.core.services import Services
from bot.grants.models import GrantApplication, GrantReferenceCounter, Status
from bot.store.database import transaction
from nlu.client import Entity
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock
from tests.fakes.nlu import FakeNlu
from tests.unit.grants.grant_chat import (
    ACCOUNTS,
    FEBRUARY,
    STATUTES,
    fill_rest,
    fill_until_budget,
    pass_eligibility,
)


@pytest.fixture
async def chair(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> ChatDriver:
    clock.set(FEBRUARY)
    return onboarded_chat


def _applications(services: Services) -> list[GrantApplication]:
    with transaction(services.db) as session:
        return list(session.scalars(select(GrantApplication).order_by(GrantApplication.id)))


async def test_a_complete_application_gets_a_reference_receipt_and_pdf(
    chair: ChatDriver, services: Services
) -> None:
    replies = await chair.press("§ 18")
    assert "Ansøgningsfristen er 1. marts 2027" in text_of(replies)
    assert "Deltager de frivillige af egen fri vilje?" in text_of(replies)
    replies = await pass_eligibility(chair)
    assert "Spørgsmål 1 af 17" in text_of(replies) and "Foreningens navn" in text_of(replies)
    await fill_until_budget(chair)
    replies = await chair.send("Kaffe og kage: 2.500 kr")
    assert "I alt indtil nu: 2.500 kr." in text_of(replies)
    replies = await chair.send("Bustur til Als: 4.500,50 kr")
    assert "I alt indtil nu: 7.000,50 kr." in text_of(replies)
    assert "Fjern sidste linje" in labels_of(replies)
    await chair.press("Færdig med budgettet")
    await chair.send("7.000 kr")
    await chair.press("Spring over")
    await chair.send_document(STATUTES)
    replies = await chair.send_document(ACCOUNTS)
    summary = text_of(replies)
    assert "Tjek jeres ansøgning" in summary
    assert "12345674" in summary and "+45 20 30 40 50" in summary and "7.000 kr." in summary
    assert "vedtaegter.pdf" in summary and "(ikke besvaret)" in summary
    assert any(label.startswith("✏️ Foreningens navn") for label in labels_of(replies))
    replies = await chair.press("Videre til erklæringen")
    assert "tro og love" in text_of(replies)
    replies = await chair.press("Ja, det erklærer jeg")
    assert "SON-2027-0001" in text_of(replies) and "1. maj 2027" in text_of(replies)
    assert "Hvad sker der nu?" in text_of(replies)
    pdf = next(r.document for r in replies if r.document is not None)
    assert pdf.file_name == "SON-2027-0001.pdf" and pdf.content.startswith(b"%PDF")
    [app] = _applications(services)
    assert app.status == Status.SUBMITTED.value
    assert app.answers["statutes"] == {
        "file_id": "tg-file-statutes",
        "file_name": "vedtaegter.pdf",
        "mime_type": "application/pdf",
        "size": 250_000,
    }
    assert app.answers["budget"][1] == {"text": "Bustur til Als", "amount": 450050}
    assert app.answers["honour"] is True
    replies = await chair.send("/apply")
    await chair.press("Mine ansøgninger")
    replies = await chair.press("SON-2027-0001")
    assert "Status: indsendt" in text_of(replies) and "Sønderborg Besøgsvenner" in text_of(replies)


async def test_bad_answers_are_explained_and_asked_again(
    chair: ChatDriver, services: Services
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    replies = await chair.send("x" * 130)
    assert "Teksten er 130 tegn. Der er plads til 120." in text_of(replies)
    assert "Foreningens navn" in text_of(replies)  # the same question again
    await chair.send("Sønderborg Besøgsvenner")
    replies = await chair.send("12345678")
    assert "12345678 er ikke et gyldigt CVR-nummer" in text_of(replies)
    replies = await chair.send("1234")
    assert "Et CVR-nummer har 8 cifre" in text_of(replies) and "Spørgsmål 2 af 17" in text_of(
        replies
    )
    await chair.send("12345674")
    await chair.send("Mette Jensen")
    await chair.send("Perlegade 12")
    replies = await chair.send("123")
    assert "dansk nummer med 8 cifre" in text_of(replies)
    await chair.send("20304050")
    replies = await chair.send("mette@")
    assert "ligner ikke en e-mailadresse" in text_of(replies)
    await chair.send("mette@forening.dk")
    replies = await chair.press("Tilskud til en aktivitet")
    assert "Spørgsmål 8 af 19" in text_of(replies)  # the activity questions appeared
    replies = await chair.send("y" * 2500)
    assert "2500" in text_of(replies) and "2000" in text_of(replies)  # the core's own limit
    [app] = _applications(services)
    assert app.answers["kind"] == "aktivitetstilskud" and "purpose" not in app.answers


async def test_dates_in_danish_forms_are_understood(chair: ChatDriver, services: Services) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    for answer in ("Foreningen", "12345674", "Mette", "Perlegade 1", "20304050", "a@b.dk"):
        await chair.send(answer)
    await chair.press("Tilskud til en aktivitet")
    await chair.send("Besøg")
    await chair.press("Ældre")
    await chair.press("Ensomme")
    replies = await chair.press("Ensomme")  # toggled off again
    assert "✅ Ældre" in labels_of(replies) and "Ensomme" in labels_of(replies)
    await chair.press("Færdig")
    await chair.send("De er alene")
    await chair.send("Vi holder caféeftermiddage")
    replies = await chair.send("30/6-2027 – 1/4-2027")
    assert "Slutdatoen ligger før startdatoen" in text_of(replies)
    replies = await chair.send("1. april til 30. juni 2020")
    assert "Perioden sluttede 30/6-2020. Skriv den periode" in text_of(replies)
    replies = await chair.send("15/3 – 15/6 2027")
    assert "Hvor mange frivillige" in text_of(replies)
    [app] = _applications(services)
    assert app.answers["period"] == {"start": "2027-03-15", "end": "2027-06-15"}
    assert app.answers["target_group"] == ["aeldre"]


async def test_back_skip_and_save_for_later_then_resume_days_later(
    chair: ChatDriver, services: Services, clock: FakeClock
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await chair.send("Sønderborg Besøgsvenner")
    await chair.send("12345674")
    replies = await chair.press("Tilbage")
    assert "Foreningens CVR-nummer" in text_of(replies)
    assert "Dit nuværende svar: 12345674" in text_of(replies)
    replies = await chair.press("Behold svaret")
    assert "Kontaktperson" in text_of(replies)
    await chair.send("Mette Jensen")
    replies = await chair.press("Gem og fortsæt senere")
    assert "Dine svar er gemt" in text_of(replies)
    clock.set(datetime(2027, 2, 4, 9, tzinfo=UTC))
    replies = await chair.send("/apply")
    assert "Du har en kladde fra 1. februar" in text_of(replies)
    assert "spørgsmål 4 af 17" in text_of(replies)
    replies = await chair.press("Fortsæt, hvor jeg slap")
    assert "Spørgsmål 4 af 17" in text_of(replies) and "Foreningens adresse" in text_of(replies)
    replies = await chair.send("/cancel")
    replies = await chair.send("/apply")
    # »Start forfra« empties the draft, so it asks first (issue 12); »Nej« keeps every answer.
    replies = await chair.press("Start forfra")
    assert "Er du sikker?" in text_of(replies) and "kladden fra 1. februar" in text_of(replies)
    assert labels_of(replies) == ["Ja, start forfra", "Nej, behold kladden"]
    [app] = _applications(services)
    assert app.answers != {}
    replies = await chair.send("ja")  # typed text is no yes: asked again, nothing lost
    assert "Er du sikker?" in text_of(replies)
    replies = await chair.press("Nej, behold kladden")
    assert "kladden er der stadig" in text_of(replies)
    assert "Spørgsmål 4 af 17" in text_of(replies) and "Foreningens adresse" in text_of(replies)
    [app] = _applications(services)
    assert app.answers != {}
    replies = await chair.send("/cancel")
    replies = await chair.send("/apply")
    await chair.press("Start forfra")
    confirm = chair.payload_for("Ja, start forfra")
    replies = await chair.press_payload(confirm)
    assert "Deltager de frivillige" in text_of(replies)
    [app] = _applications(services)
    assert app.answers == {} and app.status == Status.DRAFT.value
    await chair.press("Ja")  # answered again after starting over …
    replies = await chair.press_payload(confirm)  # … then the old »Ja, start forfra« again
    assert "allerede tømt" in text_of(replies)
    [app] = _applications(services)
    assert app.eligibility != {}  # the new answer is not emptied a second time


async def test_a_no_gets_a_kind_explanation_and_a_contact_not_a_dead_end(chair: ChatDriver) -> None:
    await chair.press("§ 18")
    await chair.press("Ja")
    replies = await chair.press("Nej")  # unpaid? no
    text = text_of(replies)
    assert "§ 18-tilskud går kun til ulønnet arbejde" in text
    assert "paragraf18@sonderborg.dk" in text and "Jens Christian Hansen" in text
    replies = await chair.press("Ret mit svar")
    assert "ulønnede" in text_of(replies)
    replies = await chair.press("Ja")
    assert "Er arbejdet til gavn for andre" in text_of(replies)


async def test_submitting_the_same_draft_twice_creates_one_application(
    chair: ChatDriver, services: Services
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await fill_until_budget(chair)
    await fill_rest(chair)
    await chair.press("Videre til erklæringen")
    payload = chair.payload_for("Ja, det erklærer jeg")
    first = await chair.press_payload(payload)
    second = await chair.press_payload(payload)  # a double tap
    assert "SON-2027-0001" in text_of(first)
    assert "SON-2027-0002" not in text_of(second)
    assert len(_applications(services)) == 1
    # The service itself is idempotent too, whatever the buttons do.
    grants = services.grants
    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        now = datetime(2027, 2, 1, tzinfo=UTC)
        again = grants.submit(session, app.user, app.id, now.date(), now)
        assert again.reference == "SON-2027-0001"
        assert session.scalar(select(func.count()).select_from(GrantApplication)) == 1


async def test_a_forged_application_id_shows_nothing_of_another_association(
    chair: ChatDriver, conversation: Conversation, services: Services
) -> None:
    other = ChatDriver(conversation, user_id=777)
    await other.onboard()
    await other.press("§ 18")
    await pass_eligibility(other)
    await other.send("Hemmelige Forening")
    [app] = _applications(services)
    await chair.send("/apply")
    replies = await chair.press_payload(f"g:grants:open:{app.id}")
    assert "Den ansøgning kan jeg ikke finde" in text_of(replies)
    assert "Hemmelige" not in text_of(replies)
    replies = await chair.press_payload(f"g:grants:answer:{app.id}")
    assert "Hemmelige" not in text_of(replies)
    replies = await chair.press_payload("g:grants:report:abc")
    assert "Den ansøgning kan jeg ikke finde" in text_of(replies)


async def test_a_passed_deadline_keeps_the_draft_and_says_what_comes_next(
    chair: ChatDriver, services: Services, clock: FakeClock
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await chair.send("Sønderborg Besøgsvenner")
    clock.set(datetime(2027, 3, 5, 9, tzinfo=UTC))
    await chair.send("/apply")
    replies = await chair.press("Fortsæt, hvor jeg slap")
    text = text_of(replies)
    assert "1. marts 2027" in text and "kladde er gemt" in text
    assert "ikke meldt næste ansøgningsrunde ud" in text
    [app] = _applications(services)
    assert app.status == Status.DRAFT.value and app.answers["association_name"]


async def test_tonder_drafts_move_to_the_autumn_round(
    onboarded_chat: ChatDriver,
    conversation: Conversation,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    chat = ChatDriver(conversation, user_id=818)
    await chat.onboard(municipality="Tønder")
    await chat.press("§ 18")
    for _ in range(8):
        if "Ja" not in labels_of(chat.history[-1:]):
            break
        await chat.press("Ja")
    clock.set(datetime(2027, 3, 10, 9, tzinfo=UTC))
    await chat.send("/apply")
    replies = await chat.press("Fortsæt, hvor jeg slap")
    assert "1. september 2027" in text_of(replies)
    replies = await chat.press("Flyt kladden til næste runde")
    assert "Frist: 1. september 2027" in text_of(replies)
    [app] = _applications(services)
    assert app.round_key == "2027-autumn"


async def test_one_application_per_association_per_round(
    chair: ChatDriver, conversation: Conversation, services: Services
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await chair.send("Sønderborg Besøgsvenner")
    await chair.send("12345674")
    second = ChatDriver(conversation, user_id=919)
    await second.onboard()
    await second.press("§ 18")
    await pass_eligibility(second)
    await second.send("Besøgsvennerne i Sønderborg")
    replies = await second.send("12 34 56 74")
    assert "allerede en ansøgning eller kladde fra denne forening" in text_of(replies)
    assert "Foreningens CVR-nummer" in text_of(replies)  # asked again, nothing lost
    apps = _applications(services)
    assert [a.association_key for a in apps] == ["cvr:12345674", "name:besøgsvennerne i sønderborg"]


async def test_the_amount_from_the_nlu_is_offered_at_the_amount_question(
    chair: ChatDriver, nlu: FakeNlu
) -> None:
    sentence = "vi vil gerne søge 12.000 kr til vores besøgstjeneste"
    nlu.understand(
        sentence, "apply_grant", Entity("amount", "12.000 kr", "12.000 kr", amount=12000)
    )
    replies = await chair.send(sentence)
    assert "Deltager de frivillige" in text_of(replies)
    await pass_eligibility(chair)
    await fill_until_budget(chair)
    await chair.send("Kaffe: 500 kr")
    replies = await chair.press("Færdig med budgettet")
    assert "Du nævnte 12.000 kr. –" in text_of(replies)
    replies = await chair.press("Søg 12.000 kr.")
    assert "Tilskud fra andre" in text_of(replies)
    replies = await chair.press("Tilbage")  # the amount is kept once given
    assert "Dit nuværende svar: 12.000 kr." in text_of(replies)


async def test_a_restart_mid_form_continues_exactly_where_it_was(
    chair: ChatDriver, services: Services, no_flood_limit: None
) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await chair.send("Sønderborg Besøgsvenner")
    await chair.send("12345674")
    # The process dies; a new one starts on the same database.
    fresh = build_conversation(services)
    revived = ChatDriver(fresh, user_id=chair.user_id)
    replies = await revived.send("Mette Jensen")
    assert "Spørgsmål 4 af 17" in text_of(replies)
    [app] = _applications(services)
    assert app.answers["contact_name"] == "Mette Jensen" and app.answers["cvr"] == "12345674"


async def test_attachments_of_the_wrong_type_or_size_are_refused(chair: ChatDriver) -> None:
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await fill_until_budget(chair)
    await chair.send("Kaffe: 500 kr")
    await chair.press("Færdig med budgettet")
    await chair.send("500 kr")
    await chair.press("Spring over")
    replies = await chair.send_document(
        IncomingDocument("f", "virus.exe", "application/x-msdownload", 100)
    )
    assert "Send filen som PDF, Word eller billede" in text_of(replies)
    replies = await chair.send_document(
        IncomingDocument("f", "stor.pdf", "application/pdf", 12_500_000)
    )
    assert "Filen er 12,5 MB. Den må højst være 10 MB." in text_of(replies)
    replies = await chair.send("her er den")
    assert "Send filen som en vedhæftet fil" in text_of(replies)


async def test_an_application_sent_in_2026_to_the_2027_round_gets_a_2027_reference(
    chair: ChatDriver, services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    with transaction(services.db) as session:  # three 2027 references were handed out before
        session.add(GrantReferenceCounter(municipality_slug="sonderborg", year=2027, last_number=3))
        session.add(GrantReferenceCounter(municipality_slug="sonderborg", year=2026, last_number=9))
    replies = await chair.press("§ 18")
    assert "Ansøgningsfristen er 1. marts 2027" in text_of(replies)
    await pass_eligibility(chair)
    await fill_until_budget(chair)
    await fill_rest(chair)
    await chair.press("Videre til erklæringen")
    replies = await chair.press("Ja, det erklærer jeg")
    assert "Jeres referencenummer er SON-2027-0004" in text_of(replies)
    assert "SON-2026" not in text_of(replies)
    [app] = _applications(services)
    assert app.round_key == "2027" and app.reference == "SON-2027-0004"
    with transaction(services.db) as session:  # the 2026 numbers are left alone
        counters = {c.year: c.last_number for c in session.scalars(select(GrantReferenceCounter))}
    assert counters == {2026: 9, 2027: 4}
