"""Which real databases the tests run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set
(to a database of its own: the tests empty it)."""

from __future__ import annotations

import os

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgres"] if TEST_DATABASE_URL else [])]
