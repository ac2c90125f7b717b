"""Reference numbers under concurrent submits: two workers sending at the same moment never get
the same number, and no number is skipped."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from bot.core.services import Services
from bot.grants.service import GrantService
from bot.store.database import transaction

SENDERS = 6


def test_concurrent_submits_get_distinct_consecutive_references(services: Services) -> None:
    grants: GrantService = services.grants
    start = threading.Barrier(SENDERS)
    references: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            start.wait()
            with transaction(services.db) as session:
                reference = grants._next_reference(session, "sonderborg", 2027)
                _rest_of_the_submit(session)
            references.append(reference)
        except BaseException as error:  # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(references) == [f"SON-2027-{n:04d}" for n in range(1, SENDERS + 1)]


def _rest_of_the_submit(session: Session) -> None:
    """The rest of a submit's transaction takes a moment: the window another sender would use
    to read the same counter, were the row not locked."""
    session.flush()
    time.sleep(0.05)
