"""Fixtures of the company tests: the clock at NOW, no flood limit."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fakes.clock import FakeClock
from tests.unit.meetings.conftest import NOW


@pytest.fixture
def frozen(clock: FakeClock, no_flood_limit: None) -> datetime:
    return clock.set(NOW)
