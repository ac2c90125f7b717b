"""Answers from the municipality's FAQ, and the hand-over to a person at the municipality.

Used for the FAQ intents of free text and for the FAQ topic buttons; neither needs the rest of
the core.
"""

from __future__ import annotations

from typing import Any

from bot.core.replies import Button, ButtonScope
from bot.core.turn import Turn, escape

GLOBAL = ButtonScope.GLOBAL


def hand_over(turn: Turn, kind: str) -> None:
    """The municipality's contact for `kind` ("volunteer" or "grants"), or an honest "unknown"."""
    municipality = turn.services.directory.get(turn.user.municipality_slug)
    details = municipality.contact_details(kind, turn.lang) if municipality else None
    if details is None:
        turn.say("intent.handoff_unknown")
        return
    turn.reply(turn.t("intent.handoff", **{k: escape(v) for k, v in details.items()}))


def answer_faq(turn: Turn, intent: str, text: str) -> bool:
    """Answer from the FAQ; True when answered, False when the user is offered topics."""
    faq = turn.services.faq
    slug = turn.user.municipality_slug
    topic = faq.best_match(slug, intent, text)
    if topic is not None:
        _say_topic(turn, topic)
        return True
    topics = faq.topics(slug, intent)
    if not topics:
        hand_over(turn, "grants" if intent == "grant_faq" else "volunteer")
        return True
    rows = [
        [Button(topic.text(topic.question, turn.lang)[:60], f"faq:{topic.key}", GLOBAL)]
        for topic in topics[:8]
    ]
    rows.append([Button(turn.t("menu.back_to_menu"), "menu", GLOBAL)])
    turn.say("faq.pick_topic", buttons=rows)
    return False


def answer_faq_topic(turn: Turn, key: str) -> None:
    """The answer to one FAQ topic (a topic button); a stale key says so."""
    faq = turn.services.faq
    topic = faq.topic(turn.user.municipality_slug, key)
    if topic is None:
        turn.say("core.stale_button")
        return
    _say_topic(turn, topic)


def _say_topic(turn: Turn, topic: Any) -> None:
    kind = "grants" if topic.intent == "grant_faq" else "volunteer"
    turn.reply(
        f"<b>{escape(topic.text(topic.question, turn.lang))}</b>\n"
        f"{escape(topic.text(topic.answer, turn.lang))}"
    )
    hand_over(turn, kind)
