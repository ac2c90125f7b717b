"""The volunteer journey: area → time → place → results, or straight to results from a sentence.

Steps (`VolunteerStep`): AREA, TIME, PLACE, RESULTS, ALERT_CONSENT, and »Mine søgeagenter«
(AGENTS, AGENT_DELETE: the saved searches, paused, resumed or deleted). What the user already said
(NLU entities, a town) is filled in and only the missing questions are asked; what was understood
is echoed above each later screen (»Jeg søger efter: Ældre, weekender, Sønderborg«) with one
button per part, which asks that part's question again and keeps the others. The search itself
lives in the step data as JSON (`q`), so every page is computed fresh from the database: a closed
or expired opportunity disappears from the next page, and a page that no longer exists shows the
last one.

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
from bot.i18n import has, t
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
    AGENTS = "agents"
    AGENT_DELETE = "agent_delete"


#: The questions before the results, in order; the step data's `todo` lists those still to ask.
QUESTION_STEPS = (VolunteerStep.AREA, VolunteerStep.TIME, VolunteerStep.PLACE)
#: The time question as a few taps: each choice is a set of availability values.
TIME_CHOICES: dict[str, tuple[str, ...]] = {
    "weekday_day": ("weekday", "daytime"),
    "weekday_evening": ("weekday", "evening"),
    "weekend": ("weekend",),
    "one_off": ("one_off",),
}
#: The parts of a search the echo names, each with the question that changes it.
EDIT_STEPS: dict[str, VolunteerStep] = {
    "what": VolunteerStep.AREA,
    "when": VolunteerStep.TIME,
    "where": VolunteerStep.PLACE,
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
            VolunteerStep.AGENTS: Screen(self._show_agents, self._on_agents),
            VolunteerStep.AGENT_DELETE: Screen(self._show_agent_delete, self._on_agent_delete),
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
        # Something was understood from a sentence: echo it on every screen, each part a button.
        data["echo"] = len(todo) < len(QUESTION_STEPS)
        turn.goto(JOURNEY, todo[0] if todo else VolunteerStep.RESULTS, data)
        await self.show(turn)

    def _echo(
        self, turn: Turn, query: Query, asking: VolunteerStep | None = None
    ) -> tuple[str | None, list[Button]]:
        """»Jeg søger efter: …« and one button per understood part (not the one being asked),
        when the search began from a sentence; (None, []) otherwise."""
        if not turn.data.get("echo"):
            return None, []
        parts = render.understood_parts(turn, query, in_sentence=True)
        if not parts:
            return None, []
        text = turn.t("matching.understood", filters=", ".join(text for _, text in parts))
        buttons = [
            turn.button("matching.button.change", f"edit:{part}", part=text[:1].upper() + text[1:])
            for part, text in parts
            if EDIT_STEPS[part] is not asking
        ]
        return text, buttons

    def _with_echo(
        self,
        turn: Turn,
        text: str,
        rows: list[list[Button]],
        asking: VolunteerStep | None = None,
    ) -> tuple[str, list[list[Button]]]:
        echo, buttons = self._echo(turn, self._query(turn), asking)
        if echo is None:
            return text, rows
        return echo + "\n\n" + text, [*rows, *_rows(buttons, 3)]

    def _edit(self, turn: Turn, part: str) -> bool:
        """Ask one part of the search again (keeping the others); False for an unknown part."""
        step = EDIT_STEPS.get(part)
        if step is None:
            return False
        saved = [VolunteerStep(s) for s in turn.data.get("todo") or [] if s in QUESTION_STEPS]
        turn.remember(todo=[step, *(s for s in saved if s is not step)], unknown_place=None)
        turn.goto(JOURNEY, step)
        return True

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
        rows.append([turn.button("matching.any_area", "any")])
        rows.append(
            [
                turn.global_button("matching.button.mine", "volunteer:mine"),
                turn.global_button("matching.button.agents", "volunteer:alerts"),
            ]
        )
        text, rows = self._with_echo(turn, turn.t("matching.ask.area"), rows, VolunteerStep.AREA)
        turn.reply(text, rows, edit=True)

    async def _show_time(self, turn: Turn) -> None:
        buttons = [turn.button(f"matching.time.{key}", f"t:{key}") for key in TIME_CHOICES]
        rows = _rows(buttons, 2)
        rows.append([turn.button("matching.any_time", "any")])
        text, rows = self._with_echo(turn, turn.t("matching.ask.time"), rows, VolunteerStep.TIME)
        turn.reply(text, rows, edit=True)

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
        text, rows = self._with_echo(turn, text, rows, VolunteerStep.PLACE)
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
        notes = [note] if note else []
        # A language the fixed parts are translated into (English; not Kalaallisut, whose users
        # were told at the choice that most is Danish) hears that descriptions are Danish: once
        # per search, since a new search may come weeks later.
        tell = turn.lang != "da" and has(turn.lang, "matching.results.danish_texts")
        if tell and not turn.data.get("danish_noted"):
            notes.append(turn.t("matching.results.danish_texts"))
        turn.remember(page=page.page, danish_noted=tell, shown=True)
        header = turn.tn(
            "matching.results.header_many" if page.more else "matching.results.header",
            page.total,
            total=page.total,
            where=self._where(turn, query),
            page=page.page + 1,
            pages=page.pages,
        )
        first = page.page * 5 + 1
        blocks = []
        for i, h in enumerate(page.hits):
            if h.scored.related_only and (i == 0 or not page.hits[i - 1].scored.related_only):
                # Close to what was asked, not what was asked: under a heading of their own.
                blocks.append(
                    turn.t(
                        "matching.results.related_separator",
                        areas=render.labels(turn, "matching.area.", query.areas).lower(),
                    )
                )
            blocks.append(render.hit(turn, first + i, h.opportunity, h.scored, query))
        echo, edits = self._echo(turn, query)
        text = "\n\n".join([*notes, *([echo] if echo else []), header, *blocks])
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
        rows.extend(_rows(edits, 3))
        rows.append(
            [
                turn.button("matching.button.alert", "alert"),
                turn.button("matching.button.new_search", "new"),
            ]
        )
        rows.append(
            [
                turn.global_button("matching.button.agents", "volunteer:alerts"),
                turn.global_button("menu.back_to_menu", "menu"),
            ]
        )
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
        text, rows = self._with_echo(turn, turn.t(key), rows)
        turn.reply(text, rows, edit=True)

    # --- answers --------------------------------------------------------------------------------
    async def _on_area(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("edit:") and self._edit(turn, value[5:]):
            await self.show(turn)
            return
        # The answer replaces everything "what" (areas, activities, words): when the question is
        # asked again to change it, the old answer goes.
        query = replace(self._query(turn), areas=(), activities=(), keywords=None)
        if value and value.startswith("a:") and value[2:] in AREAS:
            self._save(turn, replace(query, areas=(value[2:],)))
        elif event.kind is EventKind.TEXT and event.text:
            self._save(turn, self._typed_what(turn, query, event.text))
        elif value == "any":
            self._save(turn, query)
        else:
            await self.show(turn)
            return
        self._advance(turn, VolunteerStep.AREA)
        await self.show(turn)

    async def _on_time(self, turn: Turn, event: Event, value: str | None) -> None:
        query = self._query(turn)
        if value and value.startswith("edit:") and self._edit(turn, value[5:]):
            await self.show(turn)
            return
        if value and value.startswith("t:") and value[2:] in TIME_CHOICES:
            self._save(turn, replace(query, availability=TIME_CHOICES[value[2:]]))
        elif value == "any":
            self._save(turn, replace(query, availability=()))
        else:
            await self.show(turn)
            return
        self._advance(turn, VolunteerStep.TIME)
        await self.show(turn)

    async def _on_place(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("edit:") and self._edit(turn, value[5:]):
            await self.show(turn)
            return
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
        elif value and value.startswith("edit:") and self._edit(turn, value[5:]):
            pass
        elif value == "alert":
            if turn.user.consent_notices:
                self._save_alert(turn, query)
                return
            turn.goto(JOURNEY, VolunteerStep.ALERT_CONSENT)
        elif value and value.startswith("relax:") and value[6:] in RELAXABLE:
            self._save(turn, without(query, value[6:]), page=0)
        await self.show(turn)

    def _save_alert(self, turn: Turn, query: Query) -> None:
        """Save the search as a søgeagent and say so, with the way to the list and back."""
        _search, created = alerts.save_search(turn.session, turn.user, query, turn.services.clock())
        rows = [[turn.global_button("matching.button.agents", "volunteer:alerts")]]
        if turn.step == VolunteerStep.RESULTS:
            rows.append([turn.button("matching.button.back_to_results", "back")])
        turn.say("matching.alert.saved" if created else "matching.alert.already", buttons=rows)

    # --- global buttons -------------------------------------------------------------------------
    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        if action == "mine":
            self._show_mine(turn)
            return True
        if action == "alerts":
            turn.goto(JOURNEY, VolunteerStep.AGENTS)
            await self.show(turn)
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
                turn.say(
                    "matching.alert.unsubscribed",
                    buttons=[[turn.global_button("matching.button.agents", "volunteer:alerts")]],
                )
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
        if turn.journey == JOURNEY and turn.step == VolunteerStep.RESULTS:
            # A step button: it shows the page the chat is on, in the same order; once the chat
            # has moved on it is stale, and the core shows where the chat is instead.
            rows.append([turn.button("matching.button.back_to_results", "back")])
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

    # --- Mine søgeagenter -----------------------------------------------------------------------
    async def _show_agents(self, turn: Turn, note: str | None = None) -> None:
        """The saved searches, each in words, with pause/resume and delete; all buttons, so the
        list works without the NLU."""
        searches = alerts.my_searches(turn.session, turn.user)
        home = turn.user.municipality_slug or ""
        rows: list[list[Button]] = []
        if not searches:
            text = turn.t("matching.agents.none")
            rows.append([turn.button("matching.button.new_search", "new")])
        else:
            lines = []
            for number, saved in enumerate(searches, start=1):
                query = from_filters(saved.filters, home)
                lines.append(
                    turn.t(
                        "matching.agents.line",
                        number=number,
                        search=escape(self._describe(turn, query)),
                        state=turn.t(
                            "matching.agents.active" if saved.active else "matching.agents.paused"
                        ),
                    )
                )
                toggle = (
                    turn.button("matching.button.pause_number", f"pause:{saved.id}", number=number)
                    if saved.active
                    else turn.button(
                        "matching.button.resume_number", f"resume:{saved.id}", number=number
                    )
                )
                rows.append(
                    [
                        toggle,
                        turn.button(
                            "matching.button.delete_number", f"del:{saved.id}", number=number
                        ),
                    ]
                )
            parts = [turn.t("matching.agents.header"), "\n".join(lines)]
            if not turn.user.consent_notices:
                parts.append(turn.t("matching.agents.no_consent"))
            text = "\n\n".join(parts)
            rows.append([turn.button("matching.button.new_search", "new")])
        if turn.data.get("shown"):
            rows.append([turn.button("matching.button.back_to_results", "results")])
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        turn.reply("\n\n".join([*([note] if note else []), text]), rows, edit=True)

    def _describe(self, turn: Turn, query: Query) -> str:
        """A saved search in words: »Ældre, weekender, Sønderborg«."""
        parts = [text for _, text in render.understood_parts(turn, query)]
        if not query.town and not query.near_me:
            municipality = turn.services.directory.get(query.municipality)
            parts.append(municipality.name if municipality else query.municipality)
        return ", ".join(parts)

    async def _on_agents(self, turn: Turn, event: Event, value: str | None) -> None:
        action, _, ident = (value or "").partition(":")
        if value == "new":
            await self.start(turn)
            return
        if value == "results":
            turn.goto(JOURNEY, VolunteerStep.RESULTS)
            await self.show(turn)
            return
        if action in ("pause", "resume") and ident.isdigit():
            changed = alerts.set_active(turn.session, turn.user, int(ident), action == "resume")
            note = None
            if changed is None:
                note = turn.t("matching.agents.not_found")
            await self._show_agents(turn, note)
            return
        if action == "del" and ident.isdigit():
            if alerts.own_search(turn.session, turn.user, int(ident)) is None:
                await self._show_agents(turn, turn.t("matching.agents.not_found"))
                return
            turn.remember(delete_id=int(ident))
            turn.goto(JOURNEY, VolunteerStep.AGENT_DELETE)
        await self.show(turn)

    async def _show_agent_delete(self, turn: Turn) -> None:
        ident = turn.data.get("delete_id")
        saved = (
            alerts.own_search(turn.session, turn.user, ident) if isinstance(ident, int) else None
        )
        if saved is None:
            turn.goto(JOURNEY, VolunteerStep.AGENTS)
            await self._show_agents(turn, turn.t("matching.agents.not_found"))
            return
        query = from_filters(saved.filters, turn.user.municipality_slug or "")
        rows = [
            [turn.button("matching.button.delete_yes", "yes")],
            [turn.button("matching.button.delete_no", "no")],
        ]
        text = turn.t("matching.agents.confirm_delete", search=escape(self._describe(turn, query)))
        turn.reply(text, rows, edit=True)

    async def _on_agent_delete(self, turn: Turn, event: Event, value: str | None) -> None:
        ident = turn.data.get("delete_id")
        if value not in ("yes", "no"):
            await self.show(turn)
            return
        note = turn.t("matching.agents.kept")
        if value == "yes" and isinstance(ident, int):
            deleted = alerts.delete_search(turn.session, turn.user, ident)
            note = turn.t("matching.agents.deleted" if deleted else "matching.agents.not_found")
            # A second press of »Ja, slet den« on this message says it is done, deletes nothing.
            turn.done(
                "matching.agents.deleted", button=("matching.button.agents", "volunteer:alerts")
            )
        turn.remember(delete_id=None)
        turn.goto(JOURNEY, VolunteerStep.AGENTS)
        await self._show_agents(turn, note)
