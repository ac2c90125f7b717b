"""Opportunities as Telegram HTML in the user's language (texts from the catalog)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel.dates import format_date

from bot.core.turn import Turn, escape
from bot.matching.models import Opportunity
from bot.matching.scoring import Reason, Scored
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY, unmask

SUMMARY_CHARS = 160
WHY_REASONS = 3


def locale(turn: Turn) -> str:
    """Babel's locale for the user's language (Babel has no Kalaallisut data: Danish dates)."""
    return "da" if turn.lang == "kl" else turn.lang


def labels(turn: Turn, prefix: str, values: Iterable[str]) -> str:
    return ", ".join(turn.t(f"{prefix}{value}") for value in values)


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


def place(turn: Turn, opportunity: Opportunity, distance_km: float | None) -> str:
    if distance_km is None:
        return escape(opportunity.town)
    return turn.t(
        "matching.render.town_distance", town=escape(opportunity.town), km=_km(distance_km)
    )


def _km(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".replace(".", ",")


def reason(turn: Turn, item: Reason) -> str:
    params = dict(item.params)
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
    return turn.t(item.key, **params)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def hit(turn: Turn, number: int, opportunity: Opportunity, scored: Scored | None) -> str:
    """One result: title, association, place, when, what you do, requirements, why it fits."""
    distance = scored.distance_km if scored else None
    lines = [
        f"<b>{number}. {escape(opportunity.title)}</b>",
        turn.t(
            "matching.render.where",
            association=escape(opportunity.association.name),
            place=place(turn, opportunity, distance),
        ),
        turn.t("matching.render.when", when=when(turn, opportunity)),
        turn.t("matching.render.what", what=escape(summary(opportunity.description))),
        turn.t("matching.render.requirements", requirements=requirements(turn, opportunity)),
    ]
    if scored and scored.reasons:
        why = " · ".join(reason(turn, r) for r in scored.reasons[:WHY_REASONS])
        lines.append(turn.t("matching.render.why", why=why))
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
