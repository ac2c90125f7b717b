"""Greenland is not Denmark (issue 16 §2): a Sermersooq user walks the bot through the real PTB
Application and is never shown Danish law or Danish-only systems; a Sønderborg user still is.

What Sermersooq users may see, and why: its own pool (»tilskud til frivilligt socialt arbejde«,
Frivillighedspolitik), not Serviceloven § 18; payment to a bank account (groups and individuals
may apply); »offentlig hjælp«, not »dagpenge« or »kontanthjælp«; »grønlandsk tid«. »CVR« stays:
Greenland has registered its associations in CVR since 1 January 2018 (inatsisartutlov nr. 33 af
28. november 2016; the GER register was closed and its numbers converted), so the CVR question
says so and accepts a number written as »GER-nr.«.
"""

from __future__ import annotations

import asyncio
import re

from telegram.ext import Application

from bot.core.conversation import Conversation
from bot.delivery.dispatcher import run_dispatcher
from bot.meetings.seed import seed_meetings
from bot.store.database import transaction
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.meetings.conftest import NOW

#: Danish law and Danish-only systems, as a Greenlander must never read them.
DANISH_ONLY = (
    "§ 18",
    "§18",
    "Serviceloven",
    "NemKonto",
    "dagpenge",
    "kontanthjælp",
    "America/Nuuk",
)
#: A catalog placeholder nobody filled in (»Søg {grant_menu}«).
RAW_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def everything_seen(bot_api: FakeBotApi, chat_id: int) -> str:
    """Every text, button label, caption and text file (the .ics) the bot sent to `chat_id`."""
    parts: list[str] = []
    for call in bot_api.sent(chat_id):
        parts.append(call.text)
        parts.extend(label for label, _ in call.buttons)
        content = call.document_content
        if content and call.document_name and call.document_name.endswith(".ics"):
            parts.append(content.decode("utf-8"))
    return "\n".join(parts)


def assert_greenlandic(seen: str) -> None:
    found = [word for word in DANISH_ONLY if word.casefold() in seen.casefold()]
    assert not found, f"Danish-only words shown in Sermersooq: {found}"
    assert not RAW_PLACEHOLDER.search(seen), RAW_PLACEHOLDER.findall(seen)


async def _deliver_outbox(
    telegram_app: Application,  # type: ignore[type-arg]
    conversation: Conversation,
    clock: FakeClock,
    bot_api: FakeBotApi,
    chat_id: int,
    marker: str,
) -> None:
    """Run the dispatcher until a message containing `marker` reached `chat_id`."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_dispatcher(
            telegram_app.bot,
            conversation.services.db,
            rate=50,
            stop_event=stop,
            poll_interval=0.05,
            clock=clock,
        )
    )
    for _ in range(200):
        if any(marker in c.text for c in bot_api.sent(chat_id)):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_a_sermersooq_user_is_never_shown_danish_law(
    telegram: TelegramDriver,
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
    nlu: FakeNlu,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)  # 10 January 2027: Sermersooq's 2027 round is open (deadline 1 February)
    with transaction(conversation.services.db) as session:
        seed_meetings(session, conversation.services.directory)
    user = telegram.user.user_id

    # Onboarding and the menu.
    calls = await telegram.send("/start")
    assert "søge tilskud til frivilligt socialt arbejde" in texts(calls)
    await telegram.press("Dansk")
    await telegram.press("Sermersooq")
    calls = await telegram.press("Ja tak")
    menu = [label for c in calls for label, _ in c.buttons]
    assert "📝 Søg tilskud" in menu
    calls = await telegram.press("Hjælp")
    assert "📝 <b>Tilskud</b> – søg kommunens tilskud" in texts(calls)
    await telegram.send("/menu")
    calls = await telegram.press("Find frivilligt arbejde")
    assert calls
    calls = await telegram.send("/menu")
    calls = await telegram.press("Indstillinger")
    assert "Kommuneqarfik Sermersooq" in texts(calls)

    # The rest of Sermersooq's menu: companies (CSR) and consultations (it has no award).
    assert not [label for label in menu if "frivillighedsprisen" in label]
    for label in ("For virksomheder", "Høringer"):
        await telegram.send("/menu")
        calls = await telegram.press(label)
        assert texts(calls), label

    # The dialogue meeting: its programme names Sermersooq's own pool.
    await telegram.send("/menu")
    await telegram.press("Arrangementer og møder")
    calls = await telegram.press("Dialogmøde")
    assert "frivilligpolitikken og puljen til frivilligt socialt arbejde" in texts(calls)

    # The grant: eligibility, then the first questions of the form.
    await telegram.send("/menu")
    calls = await telegram.press("Søg tilskud")
    for _ in range(6):
        calls = await telegram.press("Ja")
    assert "Søger I som forening med CVR-nummer?" in texts(calls)
    await telegram.press("Ja")
    calls = await telegram.send("Nuuk Besøgsvenner")
    assert "GER-nummer, blev det til et CVR-nummer i 2018" in texts(calls)
    calls = await telegram.send("GER-nr. 12663765")  # an old GER number, as on 2016 papers
    assert "Kontaktperson" in texts(calls)
    calls = await telegram.press("Gem og fortsæt senere")
    assert "tryk på »📝 Søg tilskud« i menuen" in texts(calls)

    # The seeded meeting's invitation, delivered by the dispatcher, the answer and the .ics.
    await _deliver_outbox(telegram_app, conversation, clock, bot_api, user, "Sermersooq inviterer")
    invitation = [c for c in bot_api.sent(user) if "Sermersooq inviterer" in c.text]
    assert len(invitation) == 1 and "grønlandsk tid" in invitation[0].text
    assert "og puljen til frivilligt socialt arbejde" in invitation[0].text
    [rsvp] = [data for label, data in invitation[0].buttons if label == "Jeg kommer"]
    calls = await telegram.press_data(rsvp, invitation[0].message_id or 0)
    assert "Hvilken forening kommer du fra?" in texts(calls)  # at most 2 per association
    calls = await telegram.send("Nuuk Besøgsvenner")
    assert any(c.method == "sendDocument" for c in calls), texts(calls)

    # Every FAQ answer, for volunteers and for grants.
    for intent, sentence in (
        ("volunteer_faq", "Jeg har et spørgsmål om at være frivillig"),
        ("grant_faq", "Jeg har et spørgsmål om at søge penge"),
    ):
        nlu.understand(sentence, intent)
        await telegram.send("/menu")
        calls = await telegram.send(sentence)
        topics = [label for c in calls for label, _ in c.buttons if label != "⬅️ Til menuen"]
        assert len(topics) >= 6, topics
        for topic in topics:
            await telegram.press(topic)
    seen = everything_seen(bot_api, user)
    assert "offentlig hjælp" in seen and "Tilskud til frivilligt socialt arbejde" not in seen
    assert "Hvem kan søge tilskud til frivilligt socialt arbejde?" in seen

    # What /deletedata says would be kept.
    calls = await telegram.send("/deletedata")
    assert "ansøgning om tilskud til frivilligt socialt arbejde" in texts(calls)
    await telegram.press("Nej, behold dem")

    assert_greenlandic(everything_seen(bot_api, user))


async def test_a_sonderborg_user_still_reads_paragraph_18_and_cvr(
    telegram: TelegramDriver,
    bot_api: FakeBotApi,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    await telegram.onboard("Sønderborg")
    calls = await telegram.send("/menu")
    menu = [label for c in calls for label, _ in c.buttons]
    assert "📝 Søg § 18-tilskud" in menu
    calls = await telegram.press("Hjælp")
    assert "📝 <b>§ 18-tilskud</b> – søg kommunens tilskud" in texts(calls)
    await telegram.send("/menu")
    await telegram.press("Søg § 18-tilskud")
    for _ in range(7):
        calls = await telegram.press("Ja")
    calls = await telegram.send("Sønderborg Besøgsvenner")
    assert "Foreningens CVR-nummer" in texts(calls)
    calls = await telegram.send("12345674")
    assert "Kontaktperson" in texts(calls)
    calls = await telegram.press("Gem og fortsæt senere")
    assert "tryk på »📝 Søg § 18-tilskud« i menuen" in texts(calls)
    assert not RAW_PLACEHOLDER.search(everything_seen(bot_api, telegram.user.user_id))


async def test_in_english_too_sermersooq_has_its_own_grant(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    driver = TelegramDriver(telegram_app, bot_api, bot_api.user(6262, language_code="en"))
    await driver.onboard("Sermersooq", language="English")
    calls = await driver.send("/menu")
    assert "📝 Apply for a grant" in [label for c in calls for label, _ in c.buttons]
    calls = await driver.press("Help")
    assert "📝 <b>Grants</b> – apply" in texts(calls)
    await driver.send("/menu")
    await driver.press("Apply for a grant")
    for _ in range(6):
        calls = await driver.press("Yes")
    assert "CVR number" in texts(calls)
    calls = await driver.press("Save and continue later")
    assert "tap “📝 Apply for a grant” in the menu" in texts(calls)
    calls = await driver.send("/deletedata")
    assert "If you have applied for grants for voluntary social work" in texts(calls)
    assert_greenlandic(everything_seen(bot_api, driver.user.user_id))
