"""Survey tests: the worker runs in the test's thread (no auto-started thread), with short retry/claim times."""

from __future__ import annotations

import pytest

from bot.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "SURVEY_WORKER_AUTOSTART": False,
            "SURVEY_RETRY_BASE_SECONDS": 0.05,
            "SURVEY_CLAIM_TIMEOUT": 30.0,
            "SURVEY_DM_START_PER_MINUTE": 6000.0,
            "SURVEY_DM_MAX_PER_MINUTE": 6000.0,
            "REPORT_CHART_RETRY_SECONDS": 0.0,
        }
    )
