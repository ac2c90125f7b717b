"""The composition root: the one place that builds engines, clients and flows and wires them up."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.award.flow import AwardFlow
from bot.award.privacy import register_award_privacy
from bot.award.staff import StaffAwardFlow
from bot.companies.flow import CompanyFlow
from bot.companies.staff import StaffCompaniesFlow
from bot.config import PROJECT_ROOT, Settings
from bot.consultations.flow import ConsultationsFlow
from bot.consultations.privacy import register_consultation_privacy
from bot.consultations.staff import StaffConsultationsFlow
from bot.core.conversation import Conversation
from bot.core.flows.base import Flow
from bot.core.flows.menu import MenuFlow, SettingsFlow
from bot.core.flows.onboarding import OnboardingFlow
from bot.core.services import Services
from bot.delivery.budget import build_budget
from bot.directory import Directory
from bot.faq import Faq
from bot.files.privacy import register_file_privacy
from bot.grants.privacy import register_grant_privacy
from bot.grants.schemes import load_schemes
from bot.grants.screens.flow import GrantsFlow
from bot.grants.screens.staff import StaffGrantsFlow
from bot.grants.service import GrantService
from bot.matching.catalog import seed_matching
from bot.matching.flow import VolunteerFlow
from bot.matching.staff_flow import StaffOpportunitiesFlow
from bot.meetings.flow import MeetingsFlow
from bot.meetings.seed import seed_meetings
from bot.meetings.staff.flow import StaffMeetingsFlow
from bot.privacy.flow import PrivacyFlow
from bot.seed import seed_municipalities
from bot.staff.hub import StaffHubFlow
from bot.store import migrate
from bot.store.base import utcnow
from bot.store.database import Database, transaction

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


def build_flows() -> Mapping[str, Flow]:
    """Every journey the bot offers, by name. A new journey adds itself here."""
    flows: list[Flow] = [
        OnboardingFlow(),
        MenuFlow(),
        SettingsFlow(),
        StaffHubFlow(),
        PrivacyFlow(),
        VolunteerFlow(),
        StaffOpportunitiesFlow(),
        GrantsFlow(),
        StaffGrantsFlow(),
        MeetingsFlow(),
        StaffMeetingsFlow(),
        AwardFlow(),
        StaffAwardFlow(),
        ConsultationsFlow(),
        StaffConsultationsFlow(),
        CompanyFlow(),
        StaffCompaniesFlow(),
    ]
    return {flow.journey: flow for flow in flows}


def build_nlu(
    settings: Settings, directory: Directory, transport: httpx.AsyncBaseTransport | None = None
) -> object | None:
    """The Rasa client the bot uses (`transport` only for tests: a fake Rasa)."""
    from nlu.client import RasaNluClient
    from nlu.fuzzy import Vocabulary

    return RasaNluClient(
        settings.nlu_url,
        timeout=settings.nlu_timeout_seconds,
        threshold=settings.nlu_confidence_threshold,
        # Free text tolerates typos in places, areas, times and activities (nlu/fuzzy.py).
        resolve_place=directory.closest_place,
        vocabulary=Vocabulary.load(places=directory.place_names()),
        transport=transport,
    )


def prepare_database(db: Database, directory: Directory, data_dir: Path | None = None) -> None:
    """Bring the schema up to date and load reference data (what `run` and `chat` do first)."""
    migrate.upgrade(db.engine)
    with transaction(db) as session:
        seed_municipalities(session, directory)
        seed_matching(session, directory, data_dir or PROJECT_ROOT / "data", utcnow())
        seed_meetings(session, directory)


def build_services(
    settings: Settings,
    *,
    db: Database | None = None,
    nlu: object | None = None,
    with_nlu: bool = True,
) -> Services:
    directory = Directory.load(settings.data_dir)
    # Room for every concurrent turn, plus the dispatcher, the scheduler's jobs and the webhook.
    pool_size = settings.concurrent_updates + 8
    database = db if db is not None else Database(settings.database_url, pool_size=pool_size)
    services = Services(
        settings=settings,
        db=database,
        directory=directory,
        bot_username=settings.bot_username,
        faq=Faq.load(settings.data_dir),
        grants=GrantService(load_schemes(settings.data_dir / "grants"), terms=directory.terms),
    )
    services.nlu = (
        nlu if nlu is not None else (build_nlu(settings, directory) if with_nlu else None)
    )
    services.budget = build_budget(database, settings.broadcast_rate_per_second)
    register_grant_privacy(services.grants)
    register_award_privacy()
    register_consultation_privacy()
    register_file_privacy()
    return services


def build_conversation(services: Services) -> Conversation:
    return Conversation(services, build_flows())
