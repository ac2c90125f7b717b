"""What job functions run against.

APScheduler stores jobs in the database by reference to a module-level function and its
(JSON-able) arguments, so a job cannot carry live objects. The process that runs the scheduler
installs its `Services` here at start-up; job functions read them with `services()`.
"""

from __future__ import annotations

from bot.core.services import Services

_services: Services | None = None


def install(services: Services) -> None:
    global _services  # one process-wide slot is the point
    _services = services


def services() -> Services:
    if _services is None:
        raise RuntimeError("scheduler runtime not installed: call scheduler.runtime.install()")
    return _services
