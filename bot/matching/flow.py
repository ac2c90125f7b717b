"""The volunteer journey: area → time → place → results, or straight to results from a sentence.

Steps (`VolunteerStep`): AREA, TIME, PLACE, RESULTS, ALERT_CONSENT. What the user already said (NLU
entities, a town) is filled in and only the missing questions are asked. The search itself lives in
the step data as JSON (`q`), so every page is computed fresh from the database: a closed or expired
opportunity disappears from the next page, and a page that no longer exists shows the last one.

Buttons on results: "interested" and "more" are GLOBAL (`volunteer:interest:<id>`), so they work
from any message, including the daily digest; the service checks the id against what this citizen
may see (`interests.citizen_scope`). Paging, alerts and a new search are STEP buttons, so a press
on an old results message is recognised as stale and the current page is shown again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any

from babel.lists import format_list

from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button
from bot.core.turn import Turn, escape
from bot.directory import Town, fold
from bot.i18n import t
from bot.matching import alerts, interests, render
from bot.matching.filters import from_filters, to_filters
from bot.matching.scoring import Query, haversine_km
from bot.matching.search import RELAXABLE, find_visible, relaxations, search, without
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY

log = logging.getLogger(__name__)

JOURNEY = "volunteer"


class VolunteerStep(StrEnum):
    """The volunteer journey's steps; the values are what `DialogueState.step` holds."""

    AREA = "area"
    TIME = "time"
    PLACE = "place"
    RESULTS = "results"
    ALERT_CONSENT = "alert_consent"


#: The questions before the results, in order; the step data's `todo` lists those still to ask.
QUESTION_STEPS = (VolunteerStep.AREA, VolunteerStep.TIME, VolunteerStep.PLACE)
#: The time question as a few taps: each choice is a set of availability values.
TIME_CHOICES: dict[str, tuple[str, ...]] = {
    "weekday_day": ("weekday", "daytime"),
    "weekday_evening": ("weekday", "evening"),
    "weekend": ("weekend",),
    "one_off": ("one_off",),
}
#: A shared location farther than this from every town we know is not used to pick a municipality.
NEAREST_TOWN_KM = 50.0


def _canonical(value: Any, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    values = value if isinstance(value, list | tuple) else [value] if value else []
    return tuple(v for v in vocabulary if v in values)


def _rows(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


class VolunteerFlow(Flow):
    journey = JOURNEY
    Step = VolunteerStep

    def screens(self) -> Mapping[str, Screen]:
        # Typed text answers the area (an area's name or words to search for) and the place (a
        # town's name); the place also takes a shared location.
        return {
            VolunteerStep.AREA: Screen(self._show_area, self._on_area, text=True),
            VolunteerStep.TIME: Screen(self._show_time, self._on_time),
            VolunteerStep.PLACE: Screen(self._show_place, self._on_place, text=True, location=True),
            VolunteerStep.RESULTS: Screen(self._show_results, self._on_results),
            VolunteerStep.ALERT_CONSENT: Screen(self._show_alert_consent, self._on_alert_consent),
        }

    # --- entering -------------------------------------------------------------------------------
    async def start(self, turn: Turn, **params: Any) -> None:
        link = str(params.get("deep_link") or "")
        if params.get("action") == "mine" or link == "mine":
            self._show_mine(turn)
            return
        if link.isdigit():
            await self._more(turn, int(link))
            return
        home = turn.user.municipality_slug or next(iter(turn.services.directory.municipalities))
        query = Query(
            municipality=home,
            areas=_canonical(params.get("area"), AREAS),
            availability=_canonical(params.get("availability"), AVAILABILITY),
            activities=_canonical(params.get("activity"), ACTIVITIES),
        )
        todo = list(QUESTION_STEPS)
        if query.areas or query.activities:
            todo.remove(VolunteerStep.AREA)
        if query.availability:
            todo.remove(VolunteerStep.TIME)
        data: dict[str, Any] = {"scopes": [home], "page": 0}
        place = params.get("town") or params.get("location")
        town = turn.services.directory.town(str(place)) if place else None
        if town is not None:
            query = self._at_town(query, town)
            todo.remove(VolunteerStep.PLACE)
        elif place:
            data["unknown_place"] = str(place)[:60]
        elif params.get("municipality") in turn.services.directory.municipalities:
            query = replace(query, municipality=str(params["municipality"]))
            todo.remove(VolunteerStep.PLACE)
        data["q"] = to_filters(query)
        data["todo"] = todo
        data["scopes"] = sorted({home, query.municipality})
        turn.goto(JOURNEY, todo[0] if todo else VolunteerStep.RESULTS, data)
        if len(todo) < len(QUESTION_STEPS):
            understood = self._understood(turn, query)
            if understood:
                turn.say("matching.understood", filters=understood)
        await self.show(turn)

    def _understood(self, turn: Turn, query: Query) -> str:
        parts = [render.labels(turn, "matching.area.", query.areas)] if query.areas else []
        if query.activities:
            parts.append(render.labels(turn, "matching.activity.", query.activities))
        if query.availability:
            parts.append(render.labels(turn, "matching.availability.", query.availability))
        if query.town:
            parts.append(query.town)
        return ", ".join(p for p in parts if p)

    # --- where we are ---------------------------------------------------------------------------
    def _query(self, turn: Turn) -> Query:
        home = turn.user.municipality_slug or ""
        raw = turn.data.get("q")
        return from_filters(raw if isinstance(raw, dict) else {}, home)

    def _save(self, turn: Turn, query: Query, **changes: Any) -> None:
        scopes = set(turn.data.get("scopes") or []) | {query.municipality}
        turn.remember(q=to_filters(query), scopes=sorted(scopes), **changes)

    def _advance(self, turn: Turn, done: VolunteerStep) -> None:
        saved = [VolunteerStep(s) for s in turn.data.get("todo") or [] if s in QUESTION_STEPS]
        todo = [step for step in saved if step is not done]
        turn.remember(todo=todo, page=0)
        turn.goto(JOURNEY, todo[0] if todo else VolunteerStep.RESULTS)

    def _at_town(self, query: Query, town: Town) -> Query:
        return replace(
            query,
            municipality=town.municipality,
            town=town.name,
            latitude=town.latitude,
            longitude=town.longitude,
            near_me=False,
        )

    # --- showing --------------------------------------------------------------------------------
    async def _show_area(self, turn: Turn) -> None:
        buttons = [turn.button(f"matching.area.{a}", f"a:{a}") for a in AREAS]
        rows = _rows(buttons, 2)
        rows.append([turn.button("matching.any", "any")])
        rows.append([turn.global_button("matching.button.mine", "volunteer:mine")])
        turn.reply(turn.t("matching.ask.area"), rows, edit=True)

    async def _show_time(self, turn: Turn) -> None:
        buttons = [turn.button(f"matching.time.{key}", f"t:{key}") for key in TIME_CHOICES]
        rows = _rows(buttons, 2)
        rows.append([turn.button("matching.any", "any")])
        turn.reply(turn.t("matching.ask.time"), rows, edit=True)

    async def _show_alert_consent(self, turn: Turn) -> None:
        rows = [
            [turn.button("matching.alert.consent_yes", "yes")],
            [turn.button("matching.alert.consent_no", "no")],
        ]
        turn.reply(turn.t("matching.alert.ask_consent"), rows, edit=True)

    async def _show_place(self, turn: Turn) -> None:
        query = self._query(turn)
        directory = turn.services.directory
        unknown = turn.data.get("unknown_place")
        rows: list[list[Button]] = []
        text = turn.t("matching.ask.place")
        if unknown:
            suggestions = directory.suggest_towns(
                str(unknown), query.municipality
            ) or directory.suggest_towns(str(unknown))
            if suggestions:
                text = (
                    turn.t(
                        "matching.place.unknown_suggest",
                        place=escape(str(unknown)),
                        towns=format_list(
                            suggestions, style="or", locale=turn.lang if turn.lang != "kl" else "da"
                        ),
                    )
                    + "\n\n"
                    + text
                )
                rows.append([Button(name, f"town:{name}") for name in suggestions])
            else:
                text = turn.t("matching.place.unknown", place=escape(str(unknown))) + "\n\n" + text
        municipality = directory.get(query.municipality)
        towns = [
            Button(town.name, f"town:{town.name}")
            for town in (municipality.towns if municipality else ())
        ]
        rows.append(
            [
                turn.button(
                    "matching.place.whole_municipality",
                    "all",
                    municipality=municipality.name if municipality else "",
                )
            ]
        )
        rows.extend(_rows(towns, 3))
        turn.reply(text, rows, edit=True)

    async def _show_results(self, turn: Turn, note: str | None = None) -> None:
        query = self._query(turn)
        now = turn.services.clock()
        requested = int(turn.data.get("page") or 0)
        page = search(turn.session, query, now, requested)
        if page.total == 0:
            self._show_nothing(turn, query)
            return
        if page.page != requested:
            note = note or turn.t("matching.results.changed")
        turn.remember(page=page.page)
        header = turn.tn(
            "matching.results.header_many" if page.more else "matching.results.header",
            page.total,
            total=page.total,
            where=self._where(turn, query),
            page=page.page + 1,
            pages=page.pages,
        )
        first = page.page * 5 + 1
        blocks = [
            render.hit(turn, first + i, h.opportunity, h.scored) for i, h in enumerate(page.hits)
        ]
        text = "\n\n".join([*([note] if note else []), header, *blocks])
        rows: list[list[Button]] = []
        for i, h in enumerate(page.hits):
            number = first + i
            rows.append(
                [
                    turn.global_button(
                        "matching.button.interested_number",
                        f"volunteer:interest:{h.opportunity.id}",
                        number=number,
                    ),
                    turn.global_button(
                        "matching.button.more_number",
                        f"volunteer:more:{h.opportunity.id}",
                        number=number,
                    ),
                ]
            )
        nav = []
        if page.page > 0:
            nav.append(turn.button("matching.button.previous", "prev"))
        if page.page < page.pages - 1:
            nav.append(turn.button("matching.button.next", "next"))
        rows.append(nav)
        rows.append(
            [
                turn.button("matching.button.alert", "alert"),
                turn.button("matching.button.new_search", "new"),
            ]
        )
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        turn.reply(text, rows, edit=True)

    def _where(self, turn: Turn, query: Query) -> str:
        if query.near_me:
            return turn.t("matching.results.near_you")
        if query.town:
            return turn.t("matching.results.near_town", town=escape(query.town))
        municipality = turn.services.directory.get(query.municipality)
        return turn.t(
            "matching.results.in_municipality",
            municipality=municipality.name if municipality else "",
        )

    def _show_nothing(self, turn: Turn, query: Query) -> None:
        options = relaxations(turn.session, query, turn.services.clock())
        rows = [
            [turn.button(f"matching.relax.{name}", f"relax:{name}", count=count)]
            for name, count in options
        ]
        rows.append([turn.button("matching.button.new_search", "new")])
        rows.append([turn.button("matching.button.alert", "alert")])
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        key = "matching.results.none_relax" if options else "matching.results.none"
        turn.reply(turn.t(key), rows, edit=True)

    # --- answers --------------------------------------------------------------------------------
    async def _on_area(self, turn: Turn, event: Event, value: str | None) -> None:
        query = self._query(turn)
        if value and value.startswith("a:") and value[2:] in AREAS:
            self._save(turn, replace(query, areas=(value[2:],)))
        elif event.kind is EventKind.TEXT and event.text:
            self._save(turn, self._typed_what(turn, query, event.text))
        elif value != "any":
            await self.show(turn)
            return
        self._advance(turn, VolunteerStep.AREA)
        await self.show(turn)

    async def _on_time(self, turn: Turn, event: Event, value: str | None) -> None:
        query = self._query(turn)
        if value and value.startswith("t:") and value[2:] in TIME_CHOICES:
            self._save(turn, replace(query, availability=TIME_CHOICES[value[2:]]))
        elif value != "any":
            await self.show(turn)
            return
        self._advance(turn, VolunteerStep.TIME)
        await self.show(turn)

    async def _on_place(self, turn: Turn, event: Event, value: str | None) -> None:
        if not self._answer_place(turn, event, value, self._query(turn)):
            await self.show(turn)
            return
        self._advance(turn, VolunteerStep.PLACE)
        await self.show(turn)

    async def _on_alert_consent(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "yes":
            turn.user.consent_notices = True
            self._save_alert(turn, self._query(turn))
        elif value == "no":
            turn.say("matching.alert.not_saved")
        turn.goto(JOURNEY, VolunteerStep.RESULTS)
        await self.show(turn)

    def _typed_what(self, turn: Turn, query: Query, text: str) -> Query:
        """Typed text at the area question: an area's name, else words for full-text search."""
        key = fold(text)
        for area in AREAS:
            for language in ("da", "en"):
                if fold(t(language, f"matching.area.{area}")) == key:
                    return replace(query, areas=(area,))
        turn.say("matching.searching_words", words=text.strip()[:60])
        return replace(query, keywords=text.strip()[:200])

    def _answer_place(self, turn: Turn, event: Event, value: str | None, query: Query) -> bool:
        directory = turn.services.directory
        if value == "all":
            self._save(
                turn,
                replace(query, town=None, latitude=None, longitude=None, near_me=False),
                unknown_place=None,
            )
            return True
        if (
            event.kind is EventKind.LOCATION
            and event.latitude is not None
            and event.longitude is not None
        ):
            self._save(
                turn, self._near(turn, query, event.latitude, event.longitude), unknown_place=None
            )
            return True
        name = (
            value[5:]
            if value and value.startswith("town:")
            else (event.text or "")
            if event.kind is EventKind.TEXT
            else ""
        )
        town = directory.town(name) if name.strip() else None
        if town is None:
            turn.remember(unknown_place=name.strip()[:60] or None)
            return False
        self._save(turn, self._at_town(query, town), unknown_place=None)
        return True

    def _near(self, turn: Turn, query: Query, latitude: float, longitude: float) -> Query:
        towns = [town for m in turn.services.directory.municipalities.values() for town in m.towns]
        nearest = min(
            towns,
            key=lambda town: haversine_km(latitude, longitude, town.latitude, town.longitude),
            default=None,
        )
        municipality = query.municipality
        town_name = None
        if (
            nearest
            and haversine_km(latitude, longitude, nearest.latitude, nearest.longitude)
            <= NEAREST_TOWN_KM
        ):
            municipality = nearest.municipality
            town_name = nearest.name
        return replace(
            query,
            municipality=municipality,
            town=town_name,
            latitude=latitude,
            longitude=longitude,
            near_me=True,
        )

    async def _on_results(self, turn: Turn, event: Event, value: str | None) -> None:
        """A results button: another page, a new search, an alert, or a relaxed search."""
        query = self._query(turn)
        page = int(turn.data.get("page") or 0)
        if value == "next":
            turn.remember(page=page + 1)
        elif value == "prev":
            turn.remember(page=max(0, page - 1))
        elif value == "new":
            await self.start(turn)
            return
        elif value == "alert":
            if turn.user.consent_notices:
                self._save_alert(turn, query)
                return
            turn.goto(JOURNEY, VolunteerStep.ALERT_CONSENT)
        elif value and value.startswith("relax:") and value[6:] in RELAXABLE:
            self._save(turn, without(query, value[6:]), page=0)
        await self.show(turn)

    def _save_alert(self, turn: Turn, query: Query) -> None:
        _search, created = alerts.save_search(turn.session, turn.user, query, turn.services.clock())
        turn.say("matching.alert.saved" if created else "matching.alert.already")

    # --- global buttons -------------------------------------------------------------------------
    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        if action == "mine":
            self._show_mine(turn)
            return True
        if not args or not args[0].isdigit():
            return False
        ident = int(args[0])
        if action == "interest":
            self._interest(turn, ident)
        elif action == "more":
            await self._more(turn, ident)
        elif action == "withdraw":
            withdrawn = interests.withdraw(turn.session, turn.user, ident, turn.services.clock())
            if withdrawn is None:
                turn.say("matching.interest.withdraw_not_found")
            else:
                turn.say("matching.interest.withdrawn", title=withdrawn.opportunity.title)
        elif action == "unsub":
            if alerts.unsubscribe(turn.session, turn.user, ident):
                turn.say("matching.alert.unsubscribed")
            else:
                turn.say("matching.alert.unsubscribe_not_found")
        else:
            return False
        return True

    def _scope(self, turn: Turn) -> set[str]:
        searched = turn.data.get("scopes") if turn.journey == JOURNEY else None
        return interests.citizen_scope(turn.session, turn.user, searched or [])

    async def _more(self, turn: Turn, opportunity_id: int) -> None:
        opportunity = find_visible(
            turn.session, opportunity_id, self._scope(turn), turn.services.clock()
        )
        if opportunity is None:
            turn.say("matching.not_found")
            return
        rows = [
            [
                turn.global_button(
                    "matching.button.interested", f"volunteer:interest:{opportunity.id}"
                )
            ]
        ]
        turn.reply(render.details(turn, opportunity), rows)

    def _interest(self, turn: Turn, opportunity_id: int) -> None:
        now = turn.services.clock()
        result = interests.express_interest(
            turn.session, turn.user, opportunity_id, self._scope(turn), now
        )
        if result.interest is None:
            turn.say("matching.not_found")
            return
        interest = result.interest
        opportunity = interest.opportunity
        association = opportunity.association
        rows = [
            [turn.global_button("matching.button.withdraw", f"volunteer:withdraw:{interest.id}")],
            [turn.global_button("matching.button.mine", "volunteer:mine")],
        ]
        if result.outcome is interests.Outcome.ALREADY:
            text = turn.t(
                "matching.interest.already",
                title=escape(opportunity.title),
                contact=render.contact(turn, opportunity),
            )
            turn.reply(text, rows)
            return
        linked = association.contact_telegram_id is not None
        if linked and association.contact_telegram_id is not None:
            name = escape(turn.user.display_name or turn.t("matching.notify.anonymous"))
            turn.notify(
                association.contact_telegram_id,
                turn.t(
                    "matching.notify.association",
                    name=f'<a href="tg://user?id={turn.user.telegram_id}">{name}</a>',
                    title=escape(opportunity.title),
                ),
                dedupe_key=f"interest:{interest.id}:{int(now.timestamp())}",
                # Not sent if the interest is withdrawn (or its owner erased) before it goes out.
                kind=interests.NOTICE_KIND,
                subject_id=interest.id,
            )
        key = "matching.interest.recorded_linked" if linked else "matching.interest.recorded_staff"
        text = turn.t(
            key,
            title=escape(opportunity.title),
            association=escape(association.name),
            contact=render.contact(turn, opportunity),
        )
        log.info(
            "matching.interest",
            extra={"user_id": turn.user.id, "opportunity_id": opportunity.id, "linked": linked},
        )
        turn.reply(text, rows)

    def _show_mine(self, turn: Turn) -> None:
        mine = interests.my_interests(turn.session, turn.user)
        if not mine:
            turn.say(
                "matching.mine.none", buttons=[[turn.global_button("menu.back_to_menu", "menu")]]
            )
            return
        now = turn.services.clock()
        lines = []
        rows = []
        for number, interest in enumerate(mine[:20], start=1):
            opportunity = interest.opportunity
            over = opportunity.status != "open" or (
                opportunity.expires_at is not None and opportunity.expires_at <= now
            )
            lines.append(
                turn.t(
                    "matching.mine.line",
                    number=number,
                    title=escape(opportunity.title),
                    association=escape(opportunity.association.name),
                    contact=render.contact(turn, opportunity),
                    closed=turn.t("matching.mine.closed") if over else "",
                )
            )
            rows.append(
                [
                    turn.global_button(
                        "matching.button.withdraw_number",
                        f"volunteer:withdraw:{interest.id}",
                        number=number,
                    )
                ]
            )
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        turn.reply(turn.t("matching.mine.header") + "\n\n" + "\n\n".join(lines), rows)
