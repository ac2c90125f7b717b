"""Every model of every feature, imported in one place so Alembic and the tests see one schema.

A feature with tables adds one import line here.
"""

from __future__ import annotations

from bot.store import models as core_models
from bot.store.base import Base

metadata = Base.metadata

__all__ = ["core_models", "metadata"]
