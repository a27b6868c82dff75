"""Streams fixtures: the fake Google, and the bot's settings pointing at it (credentials file included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import SECRET
from tests.fakes.google_api import FakeGoogle
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def google_credentials() -> str:
    """Which credentials file the bot gets; parametrize a test with "service_account" to change it."""
    return "authorized_user"


@pytest.fixture
def google_overrides() -> dict[str, object]:
    """Extra settings for one test (parametrize or override)."""
    return {}


@pytest.fixture
def settings(
    fake_slack: FakeSlack,
    database_url: str,
    fake_google: FakeGoogle,
    tmp_path: Path,
    google_credentials: str,
    google_overrides: dict[str, object],
) -> Settings:
    if google_credentials == "service_account":
        creds = fake_google.write_service_account(tmp_path / "google-sa.json")
    else:
        creds = fake_google.write_authorized_user(tmp_path / "google.json")
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "DEFAULT_TIMEZONE": "UTC",
        "MESSAGE_UPDATE_INTERVAL": 0,
        "LISTENER_THREADS": 8,
        "GOOGLE_CREDENTIALS_FILE": creds,
        "GOOGLE_API_ROOT_URL": fake_google.base_url,
        "GOOGLE_API_RETRIES": 2,
        "GOOGLE_RETRY_BACKOFF": 0,
        "GOOGLE_MEET_POLL_INTERVAL": 0,
        **google_overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
