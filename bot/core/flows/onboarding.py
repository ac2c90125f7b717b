"""Onboarding: language, municipality, consent to notices; then the main menu."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.i18n import LANGUAGES, t
from bot.validation.text import yes_or_no

_LANGUAGE_WORDS = {
    "da": {"da", "dansk", "danish", "dk"},
    "en": {"en", "english", "engelsk", "eng"},
    "kl": {"kl", "kalaallisut", "grønlandsk", "gronlandsk", "greenlandic"},
}


class OnboardingStep(StrEnum):
    """Onboarding's steps; the values are what `DialogueState.step` holds."""

    LANGUAGE = "language"
    MUNICIPALITY = "municipality"
    CONSENT = "consent"


class OnboardingFlow(Flow):
    journey = "onboarding"
    Step = OnboardingStep

    def screens(self) -> Mapping[str, Screen]:
        # Every step takes typed answers too ("dansk", "Sønderborg", "ja"): not everyone taps.
        return {
            OnboardingStep.LANGUAGE: Screen(self._show_language, self._on_language, text=True),
            OnboardingStep.MUNICIPALITY: Screen(
                self._show_municipality, self._on_municipality, text=True
            ),
            OnboardingStep.CONSENT: Screen(self._show_consent, self._on_consent, text=True),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        turn.goto(
            self.journey,
            OnboardingStep.LANGUAGE,
            {"language_hint": turn.data.get("language_hint")},
        )
        await self.show(turn)

    async def _show_language(self, turn: Turn) -> None:
        _ask_language(turn)

    async def _show_municipality(self, turn: Turn) -> None:
        _ask_municipality(turn)

    async def _show_consent(self, turn: Turn) -> None:
        _ask_consent(turn)

    async def _answer(self, turn: Turn, event: Event, value: str | None) -> str | None:
        """The typed or tapped answer; None (after saying so) for anything else."""
        answer = (value or event.text or "").strip()
        if event.kind not in (EventKind.TEXT, EventKind.BUTTON) or not answer:
            _say_unclear(turn, "onboarding.use_buttons")
            await self.show(turn)
            return None
        return answer

    async def _on_language(self, turn: Turn, event: Event, value: str | None) -> None:
        answer = await self._answer(turn, event, value)
        if answer is None:
            return
        code = _language_from(answer)
        if code is None:
            _say_unclear(turn, "onboarding.language_unclear")
            await self.show(turn)
            return
        await choose_language(turn, code)

    async def _on_municipality(self, turn: Turn, event: Event, value: str | None) -> None:
        answer = await self._answer(turn, event, value)
        if answer is not None:
            await self._choose_municipality(turn, answer)

    async def _on_consent(self, turn: Turn, event: Event, value: str | None) -> None:
        answer = await self._answer(turn, event, value)
        if answer is not None:
            await self._choose_consent(turn, answer)

    async def _choose_municipality(self, turn: Turn, answer: str) -> None:
        directory = turn.services.directory
        slug = answer if answer in directory.municipalities else None
        if slug is None:
            place = directory.resolve_place(answer)
            slug = place[1] if place else None
        if slug is None:
            turn.say("onboarding.municipality_unknown", text=answer[:60])
            _ask_municipality(turn)
            return
        turn.user.municipality_slug = slug
        turn.goto(self.journey, OnboardingStep.CONSENT)
        _ask_consent(turn, edit=True)

    async def _choose_consent(self, turn: Turn, answer: str) -> None:
        consent = yes_or_no(answer)
        if consent is None:
            _say_unclear(turn, "onboarding.consent_unclear")
            _ask_consent(turn)
            return
        turn.user.consent_notices = consent
        turn.user.onboarded = True
        link = turn.data.get("deep_link")
        turn.say("onboarding.done_consent" if consent else "onboarding.done_no_consent")
        if link and await turn.navigator.follow_deep_link(turn, link):
            return
        await navigation.show_menu(turn, intro="menu.welcome")


async def choose_language(turn: Turn, code: str) -> None:
    """The language step's answer (a button, a typed word, or the /language picker)."""
    turn.user.language = code
    if turn.user.onboarded:
        await navigation.show_menu(turn)
        return
    turn.goto("onboarding", OnboardingStep.MUNICIPALITY)
    _ask_municipality(turn, edit=True)


def _language_from(answer: str) -> str | None:
    word = answer.casefold().strip(" .!")
    if word in LANGUAGES:
        return word
    return next((code for code, words in _LANGUAGE_WORDS.items() if word in words), None)


def _ask_language(turn: Turn) -> None:
    # The user has not chosen yet: greet in the language Telegram suggests, with all choices.
    hint = turn.user.language or turn.data.get("language_hint") or "da"
    terms = turn.services.directory.terms(turn.user.municipality_slug, hint)
    turn.reply(t(hint, "onboarding.welcome", **terms), navigation.language_buttons(turn))


def _ask_municipality(turn: Turn, *, edit: bool = False) -> None:
    rows = [
        [Button(municipality.name, slug)]
        for slug, municipality in turn.services.directory.municipalities.items()
    ]
    turn.reply(turn.t("onboarding.ask_municipality"), rows, edit=edit)


def _ask_consent(turn: Turn, *, edit: bool = False) -> None:
    yes, no = (
        turn.button("onboarding.consent_yes", "yes"),
        turn.button("onboarding.consent_no", "no"),
    )
    rows = [[yes, no]]
    turn.reply(turn.t("onboarding.ask_consent"), rows, edit=edit)


def _say_unclear(turn: Turn, key: str) -> None:
    turn.say(key)
