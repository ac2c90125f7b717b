"""/help names every command a user can type, and Telegram's command menu offers each of them."""

from __future__ import annotations

import pytest

from bot.channels.telegram import COMMANDS
from bot.core.conversation import COMMAND_JOURNEYS
from bot.i18n import t

#: Commands the core answers itself (`Conversation._command`), besides the journeys.
CORE_COMMANDS = {"start", "help", "cancel", "language", "menu"}


def test_the_command_menu_offers_every_command_the_core_understands() -> None:
    assert set(COMMANDS) == CORE_COMMANDS | set(COMMAND_JOURNEYS)


@pytest.mark.parametrize("language", ["da", "en"])
def test_help_lists_every_command(language: str) -> None:
    text = t(language, "help.text")
    missing = [command for command in COMMANDS if f"/{command} " not in text + " "]
    assert missing == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_command_has_a_description_and_no_two_read_alike(language: str) -> None:
    descriptions = [t(language, f"command.{command}") for command in COMMANDS]
    assert len(set(descriptions)) == len(descriptions)
