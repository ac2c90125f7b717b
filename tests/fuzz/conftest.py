"""Fuzzing runs many turns for one user in seconds: the flood limit would only get in the way."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fuzz_without_flood_limit(no_flood_limit: None) -> None:
    pass
