"""Free text, understood: what the core does with each NLU intent.

Text that no form step is waiting for goes to the NLU. A confident intent opens its journey with
what the user already said (entities) filled in; small talk gets a short answer; when the NLU is
down or unsure the user is told so honestly and gets the menu, so buttons always work.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.core import navigation
from bot.core.replies import Button, ButtonScope
from bot.core.turn import Turn, escape
from nlu.client import is_blank

GLOBAL = ButtonScope.GLOBAL

if TYPE_CHECKING:
    from bot.core.conversation import Conversation
    from nlu.client import NluResult

log = logging.getLogger(__name__)

#: Intents answered with one sentence and the menu.
SMALL_TALK = {
    "greet": "intent.greet",
    "goodbye": "intent.goodbye",
    "thanks": "intent.thanks",
    "bot_challenge": "intent.bot_challenge",
    "out_of_scope": "intent.out_of_scope",
    "affirm": "intent.affirm",
    "deny": "intent.deny",
}


class IntentRouter:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    async def route_free_text(self, turn: Turn, text: str) -> None:
        nlu = turn.services.nlu
        if is_blank(text):
            # Nothing to read (spaces, an "invisible" filler): not understood, not sent to Rasa.
            turn.say("nlu.unsure")
            await navigation.show_menu(turn)
            return
        if nlu is None:
            turn.say("nlu.unavailable")
            await navigation.show_menu(turn)
            return
        result: NluResult = await nlu.parse(text)
        status = result.status.value
        log.info(
            "nlu.parsed",
            extra={"status": status, "intent": result.intent, "confidence": result.confidence},
        )
        if status == "unavailable":
            turn.say("nlu.unavailable")
            await navigation.show_menu(turn)
            return
        if status == "unsure" or result.intent is None:
            turn.say("nlu.unsure")
            await navigation.show_menu(turn)
            return
        await self.route_intent(turn, result, text)

    async def route_intent(self, turn: Turn, result: NluResult, text: str) -> None:
        intent = result.intent or ""
        conversation = self.conversation
        if intent in SMALL_TALK:
            turn.say(SMALL_TALK[intent])
            await navigation.show_menu(turn, intro="menu.title_short")
        elif intent == "help":
            navigation.show_help(turn)
            await navigation.show_menu(turn, intro="menu.title_short")
        elif intent == "cancel":
            await conversation.cancel(turn)
        elif intent == "change_language":
            navigation.show_language_picker(turn)
        elif intent == "find_opportunity":
            await conversation.open_journey(turn, "volunteer", **_filters(result))
        elif intent == "apply_grant":
            amounts = [e.amount for e in result.entities if e.name == "amount" and e.amount]
            params: dict[str, Any] = {"amount": amounts[0]} if amounts else {}
            await conversation.open_journey(turn, "grants", **params)
        elif intent == "grant_status":
            await conversation.open_journey(turn, "grants", action="status")
        elif intent == "meeting_info":
            await conversation.open_journey(turn, "meetings")
        elif intent == "meeting_signup":
            await conversation.open_journey(turn, "meetings", action="signup")
        elif intent == "privacy":
            turn.say("intent.privacy")
            await conversation.open_journey(turn, "privacy")
        elif intent == "human_handoff":
            self.hand_over(turn, "volunteer")
            await navigation.show_menu(turn, intro="menu.title_short")
        elif intent in ("volunteer_faq", "grant_faq"):
            if self.answer_faq(turn, intent, text):
                await navigation.show_menu(turn, intro="menu.title_short")
        else:
            turn.say("nlu.unsure")
            await navigation.show_menu(turn)

    def hand_over(self, turn: Turn, kind: str) -> None:
        municipality = turn.services.directory.get(turn.user.municipality_slug)
        details = municipality.contact_details(kind, turn.lang) if municipality else None
        if details is None:
            turn.say("intent.handoff_unknown")
            return
        turn.reply(turn.t("intent.handoff", **{k: escape(v) for k, v in details.items()}))

    def answer_faq(self, turn: Turn, intent: str, text: str) -> bool:
        """Answer from the FAQ; True when answered, False when the user is offered topics."""
        faq = turn.services.features.get("faq")
        slug = turn.user.municipality_slug
        topic = faq.best_match(slug, intent, text) if faq else None
        if topic is not None:
            self._say_topic(turn, topic)
            return True
        topics = faq.topics(slug, intent) if faq else []
        if not topics:
            self.hand_over(turn, "grants" if intent == "grant_faq" else "volunteer")
            return True
        rows = [
            [Button(topic.text(topic.question, turn.lang)[:60], f"faq:{topic.key}", GLOBAL)]
            for topic in topics[:8]
        ]
        rows.append([Button(turn.t("menu.back_to_menu"), "menu", GLOBAL)])
        turn.say("faq.pick_topic", buttons=rows)
        return False

    def answer_faq_topic(self, turn: Turn, key: str) -> None:
        faq = turn.services.features.get("faq")
        topic = faq.topic(turn.user.municipality_slug, key) if faq else None
        if topic is None:
            turn.say("core.stale_button")
            return
        self._say_topic(turn, topic)

    def _say_topic(self, turn: Turn, topic: Any) -> None:
        kind = "grants" if topic.intent == "grant_faq" else "volunteer"
        turn.reply(
            f"<b>{escape(topic.text(topic.question, turn.lang))}</b>\n"
            f"{escape(topic.text(topic.answer, turn.lang))}"
        )
        self.hand_over(turn, kind)


def _filters(result: NluResult) -> dict[str, Any]:
    """Entities of a find_opportunity intent as matching filters (only what the user said)."""
    filters: dict[str, Any] = {}
    for name in ("area", "availability", "activity"):
        values = result.values(name)
        if values:
            filters[name] = values
    places = [e for e in result.entities if e.name == "location"]
    if places:
        place = places[0]
        filters["location"] = place.text
        if place.town:
            filters["town"] = place.town
        if place.municipality:
            filters["municipality"] = place.municipality
    return filters
