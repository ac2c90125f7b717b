"""Every model of every feature, imported in one place so Alembic and the tests see one schema.

A feature with tables adds one import line here.
"""

from __future__ import annotations

from bot.award import models as award_models  # noqa: F401 - registers the tables
from bot.companies import models as companies_models  # noqa: F401 - registers the tables
from bot.consultations import models as consultations_models  # noqa: F401 - registers the tables
from bot.delivery import models as delivery_models  # noqa: F401 - registers the tables
from bot.files import models as files_models  # noqa: F401 - registers the tables
from bot.grants import models as grants_models  # noqa: F401 - registers the tables
from bot.matching import models as matching_models  # noqa: F401 - registers the tables
from bot.meetings import models as meetings_models  # noqa: F401 - registers the tables
from bot.staff import models as staff_models  # noqa: F401 - registers the tables
from bot.store import models as core_models
from bot.store.base import Base
from bot.web import models as web_models  # noqa: F401 - registers the tables
from bot.webhook import models as webhook_models  # noqa: F401 - registers the tables

metadata = Base.metadata

__all__ = ["core_models", "metadata"]
