"""Opportunities as Telegram HTML in the user's language (texts from the catalog)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel.dates import format_date

from bot.core.turn import Turn, escape
from bot.directory import fold
from bot.matching.models import Opportunity
from bot.matching.scoring import Query, Reason, Scored
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY, unmask

SUMMARY_CHARS = 160
WHY_REASONS = 3


def locale(turn: Turn) -> str:
    """Babel's locale for the user's language (Babel has no Kalaallisut data: Danish dates)."""
    return "da" if turn.lang == "kl" else turn.lang


def labels(turn: Turn, prefix: str, values: Iterable[str]) -> str:
    return ", ".join(turn.t(f"{prefix}{value}") for value in values)


def understood_parts(turn: Turn, query: Query, in_sentence: bool = False) -> list[tuple[str, str]]:
    """The parts of a search in words, each with its name (what, when, where), for the echo
    »Jeg søger efter: ældre, weekender, Sønderborg« (`in_sentence`: the area labels, written as
    buttons with a capital, are lower-cased mid-sentence, as `reason` does) and the saved-search
    list »Ældre, weekender, Sønderborg«. Parts not set (any) are left out."""
    areas = labels(turn, "matching.area.", query.areas)
    what = [areas.lower() if in_sentence else areas] if query.areas else []
    if query.activities:
        what.append(labels(turn, "matching.activity.", query.activities))
    if query.keywords:
        what.append(f"»{query.keywords}«")
    parts = [("what", ", ".join(what))] if what else []
    if query.availability:
        parts.append(("when", labels(turn, "matching.availability.", query.availability)))
    if query.town:
        parts.append(("where", query.town))
    elif query.near_me:
        parts.append(("where", turn.t("matching.results.near_you")))
    return parts


def when(turn: Turn, opportunity: Opportunity) -> str:
    values = unmask(opportunity.availability_mask, AVAILABILITY)
    text = labels(turn, "matching.availability.", values)
    if opportunity.one_off_date is not None:
        day = format_date(opportunity.one_off_date, "d. MMMM y", locale=locale(turn))
        text = turn.t("matching.render.one_off_on", date=day)
    hours = opportunity.hours_per_week
    if hours == 1:
        text = turn.t("matching.render.with_one_hour", when=text)
    elif hours:
        shown = f"{hours:g}" if turn.lang == "en" else f"{hours:g}".replace(".", ",")
        text = turn.t("matching.render.with_hours", when=text, hours=shown)
    return text


def requirements(turn: Turn, opportunity: Opportunity) -> str:
    parts = []
    if opportunity.min_age:
        parts.append(turn.t("matching.render.min_age", age=opportunity.min_age))
    if opportunity.child_certificate:
        parts.append(turn.t("matching.render.child_certificate"))
    if opportunity.other_requirements:
        parts.append(escape(opportunity.other_requirements))
    return "; ".join(parts) if parts else turn.t("matching.render.no_requirements")


def same_town(query: Query | None, opportunity: Opportunity) -> bool:
    """True when the search is around a town (not the user's own location) and the opportunity
    is in that very town: its distance is then the town's own (`0,0 km`), so we name the town."""
    return (
        query is not None
        and not query.near_me
        and query.town is not None
        and fold(query.town) == fold(opportunity.town)
    )


def place(
    turn: Turn, opportunity: Opportunity, distance_km: float | None, query: Query | None = None
) -> str:
    """Where an opportunity is: its town, with the distance (km) from the searched place unless
    it is in the searched town itself."""
    if distance_km is None or same_town(query, opportunity):
        return escape(opportunity.town)
    return turn.t(
        "matching.render.town_distance", town=escape(opportunity.town), km=_km(distance_km)
    )


def _km(value: float) -> str:
    # Never "0,0 km": a place that close is shown as 0,1 km.
    return f"{value:.0f}" if value >= 10 else f"{max(value, 0.1):.1f}".replace(".", ",")


def reason(turn: Turn, item: Reason, opportunity: Opportunity | None = None) -> str:
    """One "why" reason in the user's language; a distance to the searched town from an
    opportunity in that town reads »i Sønderborg«, not »0,0 km fra Sønderborg«."""
    params = dict(item.params)
    if (
        item.key == "matching.why.near_town"
        and opportunity is not None
        and fold(str(params.get("town", ""))) == fold(opportunity.town)
    ):
        return turn.t("matching.why.in_town", town=escape(opportunity.town))
    if "areas" in params:
        # Mid-sentence in "why this fits you", so not capitalised like the buttons.
        params["areas"] = labels(turn, "matching.area.", _strings(params["areas"])).lower()
    if "availability" in params:
        params["availability"] = labels(
            turn, "matching.availability.", _strings(params["availability"])
        )
    if "activities" in params:
        params["activities"] = labels(turn, "matching.activity.", _strings(params["activities"]))
    if "km" in params:
        params["km"] = _km(float(str(params["km"])))
        params["town"] = escape(str(params.get("town", "")))
    if item.key == "matching.why.spots":
        # A count before its noun: »1 ledig plads«, »3 ledige pladser« (plural entry).
        return turn.tn(item.key, int(str(params["spots"])), **params)
    return turn.t(item.key, **params)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def hit(
    turn: Turn,
    number: int,
    opportunity: Opportunity,
    scored: Scored | None,
    query: Query | None = None,
) -> str:
    """One result: title, association, place, when, what you do, requirements, why it fits.

    A result that only matches an area related to the asked one says so (»Beslægtet med det, du
    søgte«) instead of »Derfor passer det til dig«."""
    distance = scored.distance_km if scored else None
    lines = [
        f"<b>{number}. {escape(opportunity.title)}</b>",
        turn.t(
            "matching.render.where",
            association=escape(opportunity.association.name),
            place=place(turn, opportunity, distance, query),
        ),
        turn.t("matching.render.when", when=when(turn, opportunity)),
        turn.t("matching.render.what", what=escape(summary(opportunity.description))),
        turn.t("matching.render.requirements", requirements=requirements(turn, opportunity)),
    ]
    if scored and scored.reasons:
        why = " · ".join(reason(turn, r, opportunity) for r in scored.reasons[:WHY_REASONS])
        key = "matching.render.why_related" if scored.related_only else "matching.render.why"
        lines.append(turn.t(key, why=why))
    return "\n".join(lines)


def details(turn: Turn, opportunity: Opportunity) -> str:
    """Everything about one opportunity ("more")."""
    association = opportunity.association
    areas = labels(turn, "matching.area.", unmask(opportunity.area_mask, AREAS))
    activities = labels(turn, "matching.activity.", unmask(opportunity.activity_mask, ACTIVITIES))
    spots = (
        turn.t(
            "matching.render.spots", spots=max(0, opportunity.spots - opportunity.interest_count)
        )
        if opportunity.spots is not None
        else ""
    )
    return turn.t(
        "matching.render.details",
        title=escape(opportunity.title),
        association=escape(association.name),
        town=escape(opportunity.town),
        description=escape(opportunity.description),
        areas=areas,
        activities=activities or "–",
        when=when(turn, opportunity),
        requirements=requirements(turn, opportunity),
        spots=spots,
        about=escape(summary(association.description)),
    )


def contact(turn: Turn, opportunity: Opportunity) -> str:
    association = opportunity.association
    parts: Sequence[str | None] = (
        association.contact_name,
        association.contact_email,
        association.contact_phone,
        association.website,
    )
    return " · ".join(escape(p) for p in parts if p) or escape(association.name)
