"""Each municipality's next dialogue meeting (and Tønder's stormøde), so /meetings has something
to show on a fresh install. Idempotent: a seeded meeting is found by its fixed draft key."""

from __future__ import annotations

from datetime import date, time
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.meetings.models import Meeting
from bot.meetings.times import local_to_utc
from bot.validation.dates import end_of_day


class Seed(NamedTuple):
    key: str
    municipality: str
    title: str
    day: date
    start: time
    end: time
    place: str
    address: str
    agenda: str
    capacity: int | None
    per_association: int | None


def _programme(pool: str) -> str:
    """The evening's programme; `pool` is the municipality's name for its grant pool (its
    ``terms.pool`` in data/municipalities.yaml: Greenland has no § 18)."""
    return (
        "17.00 Velkomst og sandwich\n"
        f"17.30 Nyt fra kommunen: frivilligpolitikken og {pool}\n"
        "18.15 Dialog i grupper: hvad skal vi samarbejde om i år?\n"
        "19.15 Spørgsmål til politikerne\n"
        "20.00 Tak for i aften"
    )


_PROGRAMME = _programme("§ 18-puljen")

SEEDS = (
    Seed("seed-sermersooq-dialog-2027", "sermersooq", "Dialogmøde om frivillighed 2027",
         date(2027, 3, 10), time(17), time(20), "Katuaq", "Imaneq 21, 3900 Nuuk",
         _programme("puljen til frivilligt socialt arbejde"), 120, 2),
    Seed("seed-sonderborg-dialog-2027", "sonderborg", "Dialogmøde om frivillighed 2027",
         date(2027, 3, 16), time(17), time(20), "Frivillighuset Sønderborg",
         "Perlegade 50, 6400 Sønderborg", _PROGRAMME, 80, 2),
    Seed("seed-jammerbugt-dialog-2027", "jammerbugt", "Dialogmøde om frivillighed 2027",
         date(2027, 4, 7), time(17), time(20), "Jammerbugt Rådhus, byrådssalen",
         "Toftevej 43, 9440 Aabybro", _PROGRAMME, 60, 2),
    Seed("seed-tonder-dialog-2027", "tonder", "Dialogmøde om frivillighed 2027",
         date(2027, 3, 23), time(17), time(20), "Tønder Rådhus", "Kongevej 57, 6270 Tønder",
         _PROGRAMME, 60, 2),
    Seed("seed-tonder-stormode-2027", "tonder", "Frivillig-stormøde 2027",
         date(2027, 5, 19), time(16), time(21), "Toftlund Hallerne",
         "Hallevej 4, 6520 Toftlund",
         "16.00 Velkomst\n16.30 Foreningernes markedsplads\n18.00 Fællesspisning\n"
         "19.00 Uddeling af frivilligprisen\n20.00 Musik og hygge",
         300, None),
    Seed("seed-solrod-dialog-2027", "solrod", "Dialogmøde om frivillighed 2027",
         date(2027, 4, 14), time(17), time(20), "Solrød Bibliotek",
         "Solrød Center 1, 2680 Solrød Strand", _PROGRAMME, 50, 2),
)  # fmt: skip


def seed_meetings(session: Session, directory: Directory) -> int:
    """Insert the seeded meetings that are missing; returns how many were added."""
    existing = set(
        session.scalars(
            select(Meeting.draft_key).where(Meeting.draft_key.in_([s.key for s in SEEDS]))
        )
    )
    added = 0
    for seed in SEEDS:
        municipality = directory.get(seed.municipality)
        if seed.key in existing or municipality is None:
            continue
        zone = municipality.timezone
        starts = local_to_utc(seed.day, seed.start, zone)
        session.add(
            Meeting(
                municipality_slug=seed.municipality,
                draft_key=seed.key,
                kind="stormode" if "stormode" in seed.key else "dialogmode",
                title=seed.title,
                starts_at=starts,
                ends_at=local_to_utc(seed.day, seed.end, zone),
                place=seed.place,
                address=seed.address,
                agenda=seed.agenda,
                capacity=seed.capacity,
                per_association=seed.per_association,
                rsvp_deadline=end_of_day(date.fromordinal(seed.day.toordinal() - 7), zone),
                audience="citizens",
                questions_enabled=True,
                reminder_days=[7, 1],
            )
        )
        added += 1
    session.flush()
    return added
