"""The volunteer journey through the conversation core, on a real database."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.conversation import Conversation
from bot.delivery import outbox
from bot.matching.models import Association, Interest, Opportunity, SavedSearch
from bot.matching.scoring import Query
from bot.matching.search import ranked
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from nlu.client import Entity
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.nlu import FakeNlu
from tests.unit.matching.conftest import NOW


def _ids_in(payloads: list[str], action: str) -> list[int]:
    return [int(p.rsplit(":", 1)[1]) for p in payloads if f"volunteer:{action}:" in p]


def _payloads(chat: ChatDriver) -> list[str]:
    reply = next(r for r in reversed(chat.history) if r.payloads)
    return [p for row in reply.payloads for p in row]


async def _search_nordborg_elderly(chat: ChatDriver) -> str:
    replies = await chat.send("/volunteer")
    assert "Hvem vil du gerne hjælpe?" in text_of(replies)
    assert "Alle målgrupper" in labels_of(replies)
    replies = await chat.press("Ældre")
    assert "Hvornår har du tid?" in text_of(replies)
    assert "Når som helst" in labels_of(replies) and "Alle målgrupper" not in labels_of(replies)
    replies = await chat.press("Hverdage i dagtimerne")
    assert "Hvor vil du gerne hjælpe?" in text_of(replies) and "📎" in text_of(replies)
    replies = await chat.press("Nordborg")
    return text_of(replies)


async def test_buttons_lead_from_area_to_ranked_results(onboarded_chat: ChatDriver) -> None:
    text = await _search_nordborg_elderly(onboarded_chat)
    assert "i og omkring Nordborg" in text
    assert "Derfor passer det til dig" in text
    assert re.search(r"<b>1\. .+</b>", text) and "<b>5. " in text and "<b>6. " not in text
    labels = labels_of(onboarded_chat.history[-1:])
    assert "💚 Interesseret i nr. 1" in labels and "ℹ️ Mere om nr. 5" in labels
    assert "Næste ▶" in labels
    first = text.split("<b>2. ")[0]
    assert "Nordborg" in first  # the nearest comes first
    replies = await onboarded_chat.press("Næste")
    assert "<b>6. " in text_of(replies) and "side 2 af" in text_of(replies)
    replies = await onboarded_chat.press("Forrige")
    assert "<b>1. " in text_of(replies)


async def test_nlu_entities_prefill_and_only_the_missing_is_asked(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand(
        "jeg vil gerne hjælpe ældre i weekenden",
        "find_opportunity",
        Entity("area", "elderly", "ældre"),
        Entity("availability", "weekend", "i weekenden"),
    )
    replies = await onboarded_chat.send("jeg vil gerne hjælpe ældre i weekenden")
    assert "Jeg søger efter: ældre, weekender." in text_of(replies)
    assert "Hvor vil du gerne hjælpe?" in text_of(replies)  # not area, not time
    replies = await onboarded_chat.press("Hele Sønderborg Kommune")
    assert "i Sønderborg Kommune" in text_of(replies)


async def test_one_sentence_with_everything_goes_straight_to_results(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand(
        "kan jeg køre for nogen i Tønder",
        "find_opportunity",
        Entity("activity", "driving", "køre"),
        Entity("availability", "weekday", "hverdage"),
        Entity("location", "Tønder", "Tønder", town="Tønder", municipality="tonder"),
    )
    replies = await onboarded_chat.send("kan jeg køre for nogen i Tønder")
    assert "i og omkring Tønder" in text_of(replies)
    assert "kørsel" in text_of(replies)


async def test_unknown_town_gets_suggestions(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.send("/volunteer")
    await onboarded_chat.press("Alle målgrupper")
    await onboarded_chat.press("Når som helst")
    replies = await onboarded_chat.send("Nordbrog")
    assert "Jeg kan ikke finde »Nordbrog« – mente du Nordborg eller Broager?" in text_of(replies)
    replies = await onboarded_chat.press("Nordborg")
    assert "i og omkring Nordborg" in text_of(replies)


async def test_a_shared_location_searches_near_the_user(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.send("/volunteer")
    await onboarded_chat.press("Alle målgrupper")
    await onboarded_chat.press("Når som helst")
    replies = await onboarded_chat.send_location(54.9190, 9.5950)  # Gråsten
    assert "nær dig" in text_of(replies)
    assert "km fra dig" in text_of(replies)


async def test_typed_words_at_the_area_question_search_the_text(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.send("/volunteer")
    replies = await onboarded_chat.send("lektiehjælp")
    assert "nævner »lektiehjælp«" in text_of(replies)
    await onboarded_chat.press("Når som helst")
    replies = await onboarded_chat.press("Hele Sønderborg")
    assert "lektie" in text_of(replies).lower()


async def test_no_results_suggest_what_to_relax(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.send("/volunteer")
    await onboarded_chat.send("zyxwvuq")
    await onboarded_chat.press("Når som helst")
    replies = await onboarded_chat.press("Hele Sønderborg")
    assert "Jeg fandt" in text_of(replies)
    assert any(label.startswith("Uden søgeordene") for label in labels_of(replies))
    replies = await onboarded_chat.press("Uden søgeordene")
    assert "<b>1. " in text_of(replies)


async def test_stale_next_after_the_data_changed_rerenders_the_current_page(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    shown = _ids_in(_payloads(onboarded_chat), "interest")
    with transaction(conversation.services.db) as session:
        # Everything but the five on screen closes: there is no page 2 any more.
        session.execute(
            update(Opportunity)
            .where(Opportunity.id.not_in(shown), Opportunity.municipality_slug == "sonderborg")
            .values(status="closed")
        )
    replies = await onboarded_chat.press("Næste")
    assert "Listen er blevet opdateret" in text_of(replies)
    assert "side 1 af 1" in text_of(replies)


async def test_free_places_read_as_a_count_in_why_it_fits(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    """»1 ledig plads«, »3 ledige pladser«: the count before its noun has plural forms (issue
    16), where the text once read »ledige pladser: 1«."""
    with transaction(conversation.services.db) as session:
        session.execute(
            update(Opportunity)
            .where(Opportunity.municipality_slug == "sonderborg")
            .values(spots=Opportunity.interest_count + 1)
        )
    await onboarded_chat.send("/volunteer")
    await onboarded_chat.press("Ældre")
    await onboarded_chat.press("Når som helst")  # no time reason: area, distance, places
    text = text_of(await onboarded_chat.press("Nordborg"))
    assert "1 ledig plads" in text
    assert "ledige pladser: " not in text and "1 ledige pladser" not in text


async def test_a_button_from_an_older_results_message_shows_the_current_page(
    onboarded_chat: ChatDriver,
) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    old_next = onboarded_chat.payload_for("Næste")
    await onboarded_chat.press("Næste")
    replies = await onboarded_chat.press_payload(old_next)
    assert "tidligere besked" in text_of(replies)
    assert "side 2 af" in text_of(replies)  # where the user is, not where the old button was


async def test_interest_is_recorded_once_and_told_to_a_linked_association(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    first = _ids_in(_payloads(onboarded_chat), "interest")[0]
    with transaction(conversation.services.db) as session:
        opportunity = session.get(Opportunity, first)
        assert opportunity is not None
        opportunity.association.contact_telegram_id = 987654
    replies = await onboarded_chat.press("Interesseret i nr. 1")
    assert "Tak!" in text_of(replies) and "Hvad sker der nu?" in text_of(replies)
    replies = await onboarded_chat.press_payload(f"g:volunteer:interest:{first}")
    assert "allerede" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        interests = uow.session.scalars(select(Interest)).all()
        assert [(i.opportunity_id, i.status) for i in interests] == [(first, "active")]
        told = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == 987654)
        ).all()
        assert len(told) == 1 and "tg://user?id=" in told[0].text
        assert uow.session.get(Opportunity, first).interest_count == 1  # type: ignore[union-attr]
    replies = await onboarded_chat.send("/volunteer")
    replies = await onboarded_chat.press("Opslag, jeg er interesseret i")
    assert "Opslag, du har vist interesse for" in text_of(replies) and "1. <b>" in text_of(replies)
    replies = await onboarded_chat.press("Træk interessen for nr. 1 tilbage")
    assert "trukket tilbage" in text_of(replies)
    replies = await onboarded_chat.press_payload("g:volunteer:mine")
    assert "ikke meldt dig interesseret" in text_of(replies)


async def test_unlinked_association_means_staff_pass_it_on(onboarded_chat: ChatDriver) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    replies = await onboarded_chat.press("Interesseret i nr. 2")
    assert "kommunen sender den videre" in text_of(replies)


async def test_forged_ids_are_not_found_and_leak_nothing(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    with conversation.services.db.unit_of_work() as uow:
        session: Session = uow.session
        tonder = ranked(session, Query("tonder"), NOW)[0].candidate.id
        closed = session.scalars(
            select(Opportunity.id).where(
                Opportunity.status == "closed", Opportunity.municipality_slug == "sonderborg"
            )
        ).first()
    for forged in (tonder, closed, 99999999):
        for action in ("interest", "more"):
            replies = await onboarded_chat.press_payload(f"g:volunteer:{action}:{forged}")
            assert "findes ikke længere" in text_of(replies)
    replies = await onboarded_chat.press_payload("g:volunteer:withdraw:1")
    assert "allerede trukket tilbage" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalars(select(Interest)).all() == []


async def test_searching_another_municipality_on_purpose_allows_its_buttons(
    onboarded_chat: ChatDriver, nlu: FakeNlu
) -> None:
    nlu.understand(
        "frivillig i Tønder",
        "find_opportunity",
        Entity("area", "elderly", "ældre"),
        Entity("availability", "weekday", "hverdage"),
        Entity("location", "Tønder", "Tønder", town="Tønder", municipality="tonder"),
    )
    await onboarded_chat.send("frivillig i Tønder")
    replies = await onboarded_chat.press("Mere om nr. 1")
    assert "Om foreningen" in text_of(replies)


async def test_alert_is_saved_once(onboarded_chat: ChatDriver, conversation: Conversation) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    replies = await onboarded_chat.press("Giv mig besked om nye opslag")
    assert "højst én besked om dagen" in text_of(replies)
    await onboarded_chat.press("Giv mig besked om nye opslag")
    with conversation.services.db.unit_of_work() as uow:
        searches = uow.session.scalars(select(SavedSearch)).all()
        assert len(searches) == 1
        assert searches[0].filters["town"] == "Nordborg"
        assert searches[0].filters["areas"] == ["elderly"]


async def test_alert_asks_for_consent_first(chat: ChatDriver, conversation: Conversation) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    await chat.press("Sønderborg")
    await chat.press("Nej")
    await _search_nordborg_elderly(chat)
    replies = await chat.press("Giv mig besked om nye opslag")
    assert "højst én om dagen" in text_of(replies)
    replies = await chat.press("Ja, send mig besked")
    assert "Fint!" in text_of(replies)
    assert "<b>1. " in text_of(replies)  # and back at the results
    with conversation.services.db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(SavedSearch)).all()) == 1


async def test_associations_are_seeded_with_contacts(conversation: Conversation) -> None:
    with conversation.services.db.unit_of_work() as uow:
        count = len(uow.session.scalars(select(Association)).all())
        assert count >= 30


async def test_the_notice_to_the_association_is_not_sent_once_the_interest_is_withdrawn(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    await _search_nordborg_elderly(onboarded_chat)
    first = _ids_in(_payloads(onboarded_chat), "interest")[0]
    with transaction(conversation.services.db) as session:
        opportunity = session.get(Opportunity, first)
        assert opportunity is not None
        opportunity.association.contact_telegram_id = 987654
    await onboarded_chat.press("Interesseret i nr. 1")
    await onboarded_chat.press_payload("g:volunteer:mine")
    assert "trukket tilbage" in text_of(
        await onboarded_chat.press("Træk interessen for nr. 1 tilbage")
    )
    # Withdrawn before the dispatcher came to the notice: the association is not told.
    with transaction(conversation.services.db) as session:
        assert [r.chat_id for r in outbox.claim(session, worker="t", limit=10, now=utcnow())] == []
    with conversation.services.db.unit_of_work() as uow:
        notice = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == 987654)
        ).one()
        assert notice.status == "skipped"
