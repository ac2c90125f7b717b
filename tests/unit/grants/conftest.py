"""Fixtures for the grant tests."""

from __future__ import annotations

import pytest
from grant_samples import DATA_DIR

from bot.grants.schemes import GrantScheme, load_schemes


@pytest.fixture(scope="session")
def schemes() -> dict[str, GrantScheme]:
    """The five real schemes from data/grants."""
    return load_schemes(DATA_DIR)
