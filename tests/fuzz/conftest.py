"""Fuzzing runs many turns for one user in seconds: the flood limit would only get in the way."""

from __future__ import annotations

import pytest

from bot.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    if hasattr(settings, "flood_max_events"):
        settings.flood_max_events = 1_000_000
    return settings
