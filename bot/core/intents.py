"""Free text, understood: which action each NLU intent calls for.

Text that no form step is waiting for goes to the NLU. `decide` turns its result into an
`IntentDecision`: a pure function, like `COMMAND_JOURNEYS` for commands, so the table can be read
and tested on its own. The conversation core acts on the decision: a confident intent opens its
journey with what the user already said (entities) filled in; small talk gets a short answer;
when the NLU is down or unsure the user is told so honestly and gets the menu, so buttons always
work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nlu.client import NluResult, NluStatus

#: Intents answered with one sentence and the menu.
SMALL_TALK: Mapping[str, str] = {
    "greet": "intent.greet",
    "goodbye": "intent.goodbye",
    "thanks": "intent.thanks",
    "bot_challenge": "intent.bot_challenge",
    "out_of_scope": "intent.out_of_scope",
    "affirm": "intent.affirm",
    "deny": "intent.deny",
}

#: Intents that open a journey as it is, with the parameters they open it with.
INTENT_JOURNEYS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "grant_status": ("grants", {"action": "status"}),
    "meeting_info": ("meetings", {}),
    "meeting_signup": ("meetings", {"action": "signup"}),
    "award_nomination": ("award", {}),
    "consultation_answer": ("consultations", {}),
    "company_register": ("companies", {}),
}

#: Intents answered from the FAQ.
FAQ_INTENTS = frozenset({"volunteer_faq", "grant_faq"})


class IntentAction(StrEnum):
    """What the core does with free text."""

    UNAVAILABLE = "unavailable"  # the NLU is down or off: say so, show the menu
    UNSURE = "unsure"  # not understood: say so, show the menu
    SAY = "say"  # one sentence (`key`), then the short menu
    HELP = "help"
    CANCEL = "cancel"
    LANGUAGE = "language"  # the language picker
    OPEN = "open"  # open `journey` with `params`, after saying `key` if given
    HAND_OVER = "hand_over"  # the municipality's contact for volunteering
    FAQ = "faq"  # answer from the FAQ for `intent`


@dataclass(frozen=True)
class IntentDecision:
    action: IntentAction
    #: A catalog key said first (SAY, and OPEN where the intent deserves a word).
    key: str | None = None
    journey: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The intent itself (FAQ needs it to pick the FAQ).
    intent: str | None = None


def decide(result: NluResult) -> IntentDecision:
    """The action for an NLU result. Pure: no I/O, no user, no database."""
    if result.status is NluStatus.UNAVAILABLE:
        return IntentDecision(IntentAction.UNAVAILABLE)
    intent = result.intent
    if result.status is NluStatus.UNSURE or intent is None:
        return IntentDecision(IntentAction.UNSURE)
    if intent in SMALL_TALK:
        return IntentDecision(IntentAction.SAY, key=SMALL_TALK[intent], intent=intent)
    if intent == "help":
        return IntentDecision(IntentAction.HELP, intent=intent)
    if intent == "cancel":
        return IntentDecision(IntentAction.CANCEL, intent=intent)
    if intent == "change_language":
        return IntentDecision(IntentAction.LANGUAGE, intent=intent)
    if intent == "find_opportunity":
        return IntentDecision(
            IntentAction.OPEN, journey="volunteer", params=_filters(result), intent=intent
        )
    if intent == "apply_grant":
        amounts = [e.amount for e in result.entities if e.name == "amount" and e.amount]
        params: dict[str, Any] = {"amount": amounts[0]} if amounts else {}
        return IntentDecision(IntentAction.OPEN, journey="grants", params=params, intent=intent)
    if intent in INTENT_JOURNEYS:
        journey, fixed = INTENT_JOURNEYS[intent]
        return IntentDecision(IntentAction.OPEN, journey=journey, params=fixed, intent=intent)
    if intent == "privacy":
        return IntentDecision(
            IntentAction.OPEN, key="intent.privacy", journey="privacy", intent=intent
        )
    if intent == "human_handoff":
        return IntentDecision(IntentAction.HAND_OVER, intent=intent)
    if intent in FAQ_INTENTS:
        return IntentDecision(IntentAction.FAQ, intent=intent)
    return IntentDecision(IntentAction.UNSURE, intent=intent)


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
