"""Time zones as users read them: "grønlandsk tid", never "America/Nuuk".

Most users live in Denmark, where a time needs no label; a time shown to a user whose
municipality is in Greenland says so, because Danish letters and people they deal with in
Copenhagen are four or five hours ahead (DOMAIN.md: Sermersooq is in America/Nuuk).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.directory import DEFAULT_ZONE
from bot.i18n import t
from bot.store.models import Municipality

__all__ = ["DEFAULT_ZONE", "municipality_zone", "zone_name", "zone_note"]

#: Zones whose times are labelled, with the catalog key of the label.
_LABELS = {"America/Nuuk": "zones.greenland", "America/Godthab": "zones.greenland"}
_NAMES = {**_LABELS, "Europe/Copenhagen": "zones.denmark"}


def zone_name(zone: str, language: str) -> str:
    """The zone as a user says it ("dansk tid", "grønlandsk tid"); the IANA name if unknown."""
    key = _NAMES.get(zone)
    return t(language, key) if key else zone


def zone_note(zone: str, language: str) -> str:
    """A label after a time in Greenland (" (grønlandsk tid)"); "" in Denmark, where it is
    understood."""
    key = _LABELS.get(zone)
    return f" ({t(language, key)})" if key else ""


def municipality_zone(session: Session, slug: str) -> str:
    """The IANA zone of municipality `slug` as stored (`Municipality.timezone`), for showing its
    deadlines on its own wall clock; `DEFAULT_ZONE` for a slug not in the database."""
    municipality = session.get(Municipality, slug)
    return municipality.timezone if municipality is not None else DEFAULT_ZONE
