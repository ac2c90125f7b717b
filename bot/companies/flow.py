"""`/company` (journey ``companies``): a company registers in chat — name, CVR number (in
Greenland too: an old GER number is now its CVR number), contact, what it offers (multi-choice
buttons), whether its contact details may be passed on to associations — checks a summary,
saves, and can later change or withdraw the registration.

The draft lives in the step data, so it survives a restart. The next question is always the
first field still missing, which makes "fix one field" and "change a saved registration" one
mechanism (as the staff meeting wizard does).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.companies import service
from bot.companies.models import Company
from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, HandleScreen, Screen
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.validation.errors import InvalidInput

JOURNEY = "companies"


class CompanyStep(StrEnum):
    """`companies`' steps; the values are what `DialogueState.step` holds."""

    HOME = "home"
    NAME = "name"
    REGISTER_NUMBER = "register_number"
    CONTACT_NAME = "contact_name"
    CONTACT = "contact"
    OFFERS = "offers"
    SHARE = "share"
    PREVIEW = "preview"
    FIX = "fix"
    WITHDRAW = "withdraw"


#: The step that asks each field (`service.FIELDS`).
FIELD_STEPS = {
    "name": CompanyStep.NAME,
    "register_number": CompanyStep.REGISTER_NUMBER,
    "contact_name": CompanyStep.CONTACT_NAME,
    "contact": CompanyStep.CONTACT,
    "offers": CompanyStep.OFFERS,
    "share_contact": CompanyStep.SHARE,
}
STEP_FIELDS = {step: field for field, step in FIELD_STEPS.items()}
TEXT_STEPS = (
    CompanyStep.NAME,
    CompanyStep.REGISTER_NUMBER,
    CompanyStep.CONTACT_NAME,
    CompanyStep.CONTACT,
)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def summary(turn: Turn, draft: Mapping[str, Any]) -> str:
    """The registration as the company sees it before saving and afterwards."""
    offers = ", ".join(turn.t(f"companies.offer.{o}") for o in draft.get("offers") or [])
    return turn.t(
        "companies.summary",
        name=_e(str(draft.get("name", ""))),
        register_number=_e(str(draft.get("register_number", ""))),
        contact_name=_e(str(draft.get("contact_name", ""))),
        contact=_e(str(draft.get("contact", ""))),
        offers=offers,
        share=turn.t("companies.share.yes" if draft.get("share_contact") else "companies.share.no"),
    )


class CompanyFlow(Flow):
    journey = JOURNEY
    Step = CompanyStep

    def screens(self) -> Mapping[str, Screen]:
        table: dict[str, Screen] = {
            CompanyStep.HOME: Screen(self._show, self._on_home),
            CompanyStep.WITHDRAW: Screen(
                self._show, self._buttons_only(self._on_withdraw), text=True
            ),
        }
        for step in TEXT_STEPS:
            table[step] = Screen(self._show, self._on_text, text=True)
        for step in (CompanyStep.OFFERS, CompanyStep.SHARE, CompanyStep.PREVIEW, CompanyStep.FIX):
            table[step] = Screen(self._show, self._buttons_only(self._on_button), text=True)
        return table

    async def start(self, turn: Turn, **params: Any) -> None:
        turn.goto(JOURNEY, CompanyStep.HOME, {})
        self._show_home(turn)

    # --- showing --------------------------------------------------------------------------------
    async def _show(self, turn: Turn) -> None:
        step = CompanyStep(turn.step)
        draft = _draft(turn)
        cancel = [turn.button("companies.button.cancel", "cancel")]
        if step is CompanyStep.HOME:
            self._show_home(turn)
        elif step in TEXT_STEPS:
            question = turn.t(f"companies.ask.{STEP_FIELDS[step]}")
            if step is CompanyStep.REGISTER_NUMBER:
                question = " ".join(filter(None, (question, _register_note(turn))))
            turn.reply(question, [cancel])
        elif step is CompanyStep.OFFERS:
            chosen = set(draft.get("offers") or [])
            rows = [
                [
                    Button(
                        ("✅ " if offer in chosen else "▫️ ") + turn.t(f"companies.offer.{offer}"),
                        f"offer:{offer}",
                    )
                ]
                for offer in service.OFFERS
            ]
            rows.append([turn.button("companies.button.offers_done", "offers_done")])
            turn.reply(turn.t("companies.ask.offers"), [*rows, cancel], edit=True)
        elif step is CompanyStep.SHARE:
            rows = [
                [turn.button("companies.share.button_yes", "share:yes")],
                [turn.button("companies.share.button_no", "share:no")],
            ]
            turn.reply(turn.t("companies.ask.share_contact"), [*rows, cancel])
        elif step is CompanyStep.PREVIEW:
            rows = [
                [turn.button("companies.button.save", "save")],
                [turn.button("companies.button.fix", "fix")],
                cancel,
            ]
            turn.reply(summary(turn, draft) + "\n\n" + turn.t("companies.preview"), rows)
        elif step is CompanyStep.FIX:
            rows = [
                [turn.button(f"companies.field.{field}", f"fix:{field}")]
                for field in service.FIELDS
            ]
            turn.reply(turn.t("companies.fix"), [*rows, cancel])
        elif step is CompanyStep.WITHDRAW:
            rows = [
                [turn.button("companies.withdraw.yes", "withdraw:yes")],
                [turn.button("companies.withdraw.no", "withdraw:no")],
            ]
            turn.reply(turn.t("companies.withdraw.confirm"), rows)

    def _show_home(self, turn: Turn) -> None:
        company = service.registration(turn.session, turn.user)
        menu = [turn.global_button("menu.back_to_menu", "menu")]
        if company is None:
            rows = [[turn.button("companies.button.register", "register")], menu]
            turn.reply(turn.t("companies.intro"), rows, edit=True)
            return
        rows = [
            [turn.button("companies.button.change", "change")],
            [turn.button("companies.button.withdraw", "withdraw")],
            menu,
        ]
        text = turn.t("companies.registered") + "\n\n" + summary(turn, service.as_draft(company))
        turn.reply(text, rows, edit=True)

    def _next(self, turn: Turn, draft: dict[str, Any]) -> None:
        """Go to the first missing field, or to the summary when everything is there."""
        turn.remember(draft=draft)
        missing = next((f for f in service.FIELDS if f not in draft), None)
        turn.goto(JOURNEY, FIELD_STEPS[missing] if missing else CompanyStep.PREVIEW)

    # --- events ---------------------------------------------------------------------------------
    def _buttons_only(self, handle: HandleScreen) -> HandleScreen:
        """A step answered with buttons: typed text gets a pointer to them, the draft is kept."""

        async def on_event(turn: Turn, event: Event, value: str | None) -> None:
            if value is None and event.text is not None:
                turn.say("companies.use_buttons")
                await self._show(turn)
                return
            await handle(turn, event, value)

        return on_event

    async def _cancel(self, turn: Turn) -> None:
        turn.say("companies.cancelled")
        turn.goto(JOURNEY, CompanyStep.HOME, {})
        self._show_home(turn)

    async def _on_home(self, turn: Turn, event: Event, value: str | None) -> None:
        company = service.registration(turn.session, turn.user)
        if value == "register" and company is None:
            self._next(turn, {})
        elif value == "change" and company is not None:
            turn.goto(JOURNEY, CompanyStep.FIX, {"draft": service.as_draft(company)})
        elif value == "withdraw" and company is not None:
            turn.goto(JOURNEY, CompanyStep.WITHDRAW, {})
        await self._show(turn)

    async def _on_text(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "cancel":
            await self._cancel(turn)
            return
        field = STEP_FIELDS[CompanyStep(turn.step)]
        text = (event.text or "").strip()
        if value is not None or not text:
            await self._show(turn)
            return
        try:
            answer = service.parse_field(field, text)
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **error.params))
            await self._show(turn)
            return
        draft = _draft(turn)
        draft[field] = answer
        self._next(turn, draft)
        await self._show(turn)

    async def _on_button(self, turn: Turn, event: Event, value: str | None) -> None:
        step = CompanyStep(turn.step)
        draft = _draft(turn)
        if value == "cancel":
            await self._cancel(turn)
            return
        if step is CompanyStep.OFFERS and value and value.startswith("offer:"):
            offer = value.removeprefix("offer:")
            chosen = list(draft.get("offers") or [])
            if offer in service.OFFERS:
                chosen = [o for o in chosen if o != offer] if offer in chosen else [*chosen, offer]
            turn.remember(draft={**draft, "offers": chosen})
        elif step is CompanyStep.OFFERS and value == "offers_done":
            if not draft.get("offers"):
                turn.say("companies.error.no_offer")
            else:
                draft["offers"] = [o for o in service.OFFERS if o in draft["offers"]]
                self._next(turn, draft)
        elif step is CompanyStep.SHARE and value in ("share:yes", "share:no"):
            draft["share_contact"] = value == "share:yes"
            self._next(turn, draft)
        elif step is CompanyStep.PREVIEW and value == "save":
            await self._save(turn, draft)
            return
        elif step is CompanyStep.PREVIEW and value == "fix":
            turn.goto(JOURNEY, CompanyStep.FIX)
        elif step is CompanyStep.FIX and value and value.removeprefix("fix:") in service.FIELDS:
            field = value.removeprefix("fix:")
            if field == "offers":  # the buttons show what is chosen, so keep it to change
                turn.goto(JOURNEY, CompanyStep.OFFERS)
            else:
                draft.pop(field, None)
                self._next(turn, draft)
        await self._show(turn)

    async def _save(self, turn: Turn, draft: dict[str, Any]) -> None:
        if turn.user.municipality_slug is None:
            await navigation.show_menu(turn)
            return
        existed = service.registration(turn.session, turn.user) is not None
        try:
            company: Company = service.save(turn.session, turn.user, draft, turn.services.clock())
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **error.params))
            turn.goto(JOURNEY, CompanyStep.OFFERS)
            await self._show(turn)
            return
        turn.say("companies.changed" if existed else "companies.saved", name=company.name)
        turn.done("companies.already_saved")
        turn.goto(JOURNEY, CompanyStep.HOME, {})
        self._show_home(turn)

    async def _on_withdraw(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "withdraw:yes":
            if service.withdraw(turn.session, turn.user):
                turn.say("companies.withdrawn")
            else:
                turn.say("companies.already_withdrawn")
            turn.done("companies.already_withdrawn")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(JOURNEY, CompanyStep.HOME, {})
        self._show_home(turn)


def _draft(turn: Turn) -> dict[str, Any]:
    return dict(turn.data.get("draft") or {})


def _register_note(turn: Turn) -> str | None:
    """What the municipality says about the register number, if anything: in Greenland an old
    GER number became a CVR number in 2018 (``register_note`` in `data/municipalities.yaml`).
    Danish companies are not told about GER (issue 16 review, item G)."""
    municipality = turn.services.directory.get(turn.user.municipality_slug)
    note = municipality.own_words("register_note", turn.lang) if municipality else None
    return html.escape(note, quote=False) if note else None
