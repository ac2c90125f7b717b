"""Helpers for driving a grant application through the conversation core."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.events import IncomingDocument
from bot.core.replies import Reply
from tests.fakes.chat import ChatDriver

#: Before Sønderborg's 2027 deadline (1 March 2027): grant tests set the `clock` fixture here.
FEBRUARY = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
VALID_CVR = "DK 12 34 56 74"
STATUTES = IncomingDocument("tg-file-statutes", "vedtaegter.pdf", "application/pdf", 250_000)
ACCOUNTS = IncomingDocument("tg-file-accounts", "regnskab.pdf", "application/pdf", 180_000)


async def pass_eligibility(chat: ChatDriver) -> list[Reply]:
    """Answer every eligibility question of the Sønderborg scheme with yes."""
    replies: list[Reply] = []
    for _ in range(7):
        replies = await chat.press("Ja")
    return replies


#: The Sønderborg form up to the budget, as a chair would type or tap it.
SONDERBORG_START: tuple[tuple[str, str], ...] = (
    ("send", "Sønderborg Besøgsvenner"),
    ("send", VALID_CVR),
    ("send", "Mette Jensen"),
    ("send", "Perlegade 12, 6400 Sønderborg"),
    ("send", "20 30 40 50"),
    ("send", "formand@besogsvenner.dk"),
    ("press", "Driftstilskud"),
    ("send", "Vi besøger ensomme ældre i hjemmet."),
    ("press", "Ældre"),
    ("press", "Færdig"),
    ("send", "Mange ældre sidder alene og har ingen familie tæt på."),
    ("send", "25"),
    ("send", "60"),
)


async def fill_until_budget(chat: ChatDriver) -> list[Reply]:
    replies: list[Reply] = []
    for how, what in SONDERBORG_START:
        replies = await (chat.send(what) if how == "send" else chat.press(what))
    return replies


async def fill_rest(chat: ChatDriver) -> list[Reply]:
    await chat.send("Kaffe og kage: 2.500 kr")
    await chat.send("Bustur til Als: 4.500,50 kr")
    await chat.press("Færdig med budgettet")
    await chat.send("7.000 kr")
    await chat.press("Spring over")
    await chat.send_document(STATUTES)
    return await chat.send_document(ACCOUNTS)
