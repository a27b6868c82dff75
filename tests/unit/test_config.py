"""Settings: defaults, validation, and the one-line errors that name the variable and where to get it."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings, load_settings


def settings(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_defaults_follow_the_configuration_contract() -> None:
    s = settings()
    assert s.SLACK_API_URL == "https://slack.com/api/"
    assert s.DATABASE_URL == "sqlite:///lunchlearn.db"
    assert (s.PORT, s.LOG_LEVEL, s.DEFAULT_TIMEZONE) == (3000, "INFO", "UTC")
    assert s.REMINDER_OFFSETS == "1440,10"


def test_api_url_gets_its_trailing_slash() -> None:
    assert settings(SLACK_API_URL="http://127.0.0.1:9/api").SLACK_API_URL == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "not a url"),
        ("LOG_LEVEL", "LOUD"),
        ("REMINDER_OFFSETS", "soon"),
    ],
)
def test_malformed_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings(**{name: value})
    assert str(err.value).startswith(f"{name} is malformed")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("mode", "missing", "hint"),
    [
        ("http", "SLACK_BOT_TOKEN", "OAuth & Permissions"),
        ("http", "SLACK_SIGNING_SECRET", "Basic Information > App Credentials"),
        ("socket", "SLACK_APP_TOKEN", "App-Level Tokens"),
    ],
)
def test_each_mode_requires_its_values(mode: str, missing: str, hint: str) -> None:
    values = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}
    values.pop(missing)
    with pytest.raises(ConfigError) as err:
        settings(**values).require(mode)  # type: ignore[arg-type]
    assert str(err.value).startswith(f"{missing} is not set:") and hint in str(err.value)


def test_wrong_token_kind_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as err:
        settings(SLACK_BOT_TOKEN="xoxp-secret-user-token", SLACK_SIGNING_SECRET="s").require("http")
    assert "SLACK_BOT_TOKEN is malformed" in str(err.value) and "secret-user-token" not in str(err.value)
