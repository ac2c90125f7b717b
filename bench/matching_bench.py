"""Matching benchmark: a filtered, ranked top-5 query over 100,000 opportunities.

    .venv/bin/python bench/matching_bench.py [--rows 100000] [--queries 200]

Creates a temporary SQLite database (and, when TEST_DATABASE_URL is set, a temporary PostgreSQL
schema that is dropped afterwards), migrates it with the real migrations, loads the municipalities
and associations from data/, generates `--rows` opportunities spread over the five municipalities
(random areas, activities, availability, towns, dates; 5 % closed, 10 % expired), then times
`--queries` searches exactly as the volunteer journey runs them (`bot.matching.search.search`:
SQL filter, ranking in Python, the five rows of the page loaded). Each query has the user's
municipality, one area and a time choice; half also sort by distance from a town.

stdout carries only `name=value` lines:

    matching_p50_ms_100k, matching_p95_ms_100k
    matching_p50_ms_100k_postgres, matching_p95_ms_100k_postgres   (with TEST_DATABASE_URL)
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.directory import Directory  # noqa: E402 - after the path set-up above
from bot.matching.catalog import seed_matching  # noqa: E402
from bot.matching.flow import TIME_CHOICES  # noqa: E402
from bot.matching.models import Association, Opportunity  # noqa: E402
from bot.matching.scoring import Query  # noqa: E402
from bot.matching.search import search  # noqa: E402
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY  # noqa: E402
from bot.seed import seed_municipalities  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.database import Database, make_engine, transaction  # noqa: E402

log = logging.getLogger("matching_bench")
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WORDS = [
    "besøg",
    "kaffe",
    "ældre",
    "lektier",
    "børn",
    "unge",
    "gåtur",
    "madlavning",
    "fællesspisning",
    "kørsel",
    "indkøb",
    "samtale",
    "it-hjælp",
    "smartphone",
    "familie",
    "flygtning",
    "dansk",
    "sorg",
    "misbrug",
    "natcafé",
    "varmestue",
    "strik",
    "musik",
]


def _random_bits(rng: random.Random, size: int, most: int) -> int:
    bits = 0
    for index in rng.sample(range(size), rng.randint(1, most)):
        bits |= 1 << index
    return bits


def populate(db: Database, directory: Directory, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with transaction(db) as session:
        seed_municipalities(session, directory)
        seed_matching(session, directory, ROOT / "data", NOW)
        associations = [
            (a.id, a.municipality_slug) for a in session.query(Association).order_by(Association.id)
        ]
    towns = {slug: m.towns for slug, m in directory.municipalities.items()}
    batch: list[dict[str, object]] = []
    started = time.perf_counter()
    with db.engine.begin() as connection:
        for number in range(rows):
            association_id, slug = rng.choice(associations)
            town = rng.choice(towns[slug])
            roll = rng.random()
            created = NOW - timedelta(days=rng.uniform(0, 400))
            batch.append(
                {
                    "key": f"bench-{number}",
                    "association_id": association_id,
                    "municipality_slug": slug,
                    "title": " ".join(rng.sample(WORDS, 4)).capitalize(),
                    "description": " ".join(rng.choices(WORDS, k=30)),
                    "town": town.name,
                    "latitude": town.latitude + rng.uniform(-0.01, 0.01),
                    "longitude": town.longitude + rng.uniform(-0.01, 0.01),
                    "area_mask": _random_bits(rng, len(AREAS), 3),
                    "activity_mask": _random_bits(rng, len(ACTIVITIES), 2),
                    "availability_mask": _random_bits(rng, len(AVAILABILITY), 4),
                    "hours_per_week": rng.choice([None, 1.0, 2.0, 3.0]),
                    "min_age": rng.choice([None, 15, 18]),
                    "child_certificate": rng.random() < 0.2,
                    "spots": rng.choice([None, 2, 4, 10]),
                    "interest_count": rng.choice([0, 0, 0, 1, 3]),
                    "status": "closed" if roll < 0.05 else "open",
                    "created_at": created,
                    "expires_at": NOW - timedelta(days=1) if roll > 0.9 else None,
                    "updated_at": created,
                }
            )
            if len(batch) == 5000:
                connection.execute(insert(Opportunity), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Opportunity), batch)
        if not db.is_postgres:
            connection.execute(text("ANALYZE"))
    if db.is_postgres:
        # What autovacuum does in production: fresh statistics and a visibility map, so the
        # covering index is read without visiting the table.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE opportunity")
            )
    log.info("populated %d rows in %.1f s", rows, time.perf_counter() - started)


def queries(directory: Directory, count: int, seed: int = 11) -> list[Query]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        slug = rng.choice(list(directory.municipalities))
        query = Query(
            municipality=slug,
            areas=(rng.choice(AREAS),),
            availability=TIME_CHOICES[rng.choice(list(TIME_CHOICES))],
        )
        if rng.random() < 0.5:
            town = rng.choice(directory.municipalities[slug].towns)
            query = Query(
                municipality=slug,
                areas=query.areas,
                availability=query.availability,
                town=town.name,
                latitude=town.latitude,
                longitude=town.longitude,
            )
        out.append(query)
    return out


def measure(db: Database, directory: Directory, count: int) -> tuple[float, float]:
    timings = []
    planned = queries(directory, count)
    with db.unit_of_work() as uow:
        for query in planned[:10]:  # warm caches and the statement cache
            search(uow.session, query, NOW)
        for query in planned:
            started = time.perf_counter()
            page = search(uow.session, query, NOW)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(page.hits) <= 5
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95


def run_sqlite(directory: Directory, rows: int, count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate.upgrade(db.engine)
        populate(db, directory, rows)
        result = measure(db, directory, count)
        db.dispose()
        return result


def run_postgres(url: str, directory: Directory, rows: int, count: int) -> tuple[float, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        db = Database(url, engine=engine)
        migrate.upgrade(db.engine)
        populate(db, directory, rows)
        result = measure(db, directory, count)
        db.dispose()
        return result
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(logging.WARNING)
    directory = Directory.load(ROOT / "data")
    p50, p95 = run_sqlite(directory, args.rows, args.queries)
    print(f"matching_p50_ms_100k={p50:.2f}", flush=True)
    print(f"matching_p95_ms_100k={p95:.2f}", flush=True)
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        p50, p95 = run_postgres(url, directory, args.rows, args.queries)
        print(f"matching_p50_ms_100k_postgres={p50:.2f}", flush=True)
        print(f"matching_p95_ms_100k_postgres={p95:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
