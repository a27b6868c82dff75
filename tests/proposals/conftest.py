"""Pipeline tests: the survey fan-out runs in the test's thread (as in tests/surveys), at full speed."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.edge.conftest import bolt_app, bot_url  # noqa: F401  (the bot with a handle to wait for its listeners)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "SURVEY_WORKER_AUTOSTART": False,
            "SURVEY_DM_START_PER_MINUTE": 6000.0,
            "SURVEY_DM_MAX_PER_MINUTE": 6000.0,
        }
    )
