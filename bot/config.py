"""The one settings object. Nothing else in the bot reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

Mode = Literal["http", "socket", "doctor", "db"]

# Where a user finds each value: shown in the one-line start-up error.
WHERE_TO_GET = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions "
    "of the app created from manifest.json",
    "SLACK_SIGNING_SECRET": "copy it from Basic Information > App Credentials of the app created from manifest.json",
    "SLACK_APP_TOKEN": "create an app-level token (xapp-...) with connections:write under Basic Information > "
    "App-Level Tokens of the app created from manifest.json",
    "SLACK_API_URL": "leave it unset for slack.com, or give the Web API base URL, e.g. https://slack.com/api/",
    "DATABASE_URL": "give an SQLAlchemy URL such as sqlite:///lunchlearn.db or postgresql+psycopg://user@host/db",
    "PORT": "give a TCP port number such as 3000",
    "LOG_LEVEL": "use one of DEBUG, INFO, WARNING, ERROR",
    "DEFAULT_TIMEZONE": "give an IANA time zone name such as Europe/London or Asia/Tokyo",
    "GOOGLE_CREDENTIALS_FILE": "give the path of a google-auth credentials JSON file",
    "GOOGLE_API_ROOT_URL": "leave it unset for Google, or give an http(s) URL",
}

REQUIRED_BY_MODE: dict[str, tuple[str, ...]] = {
    "http": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "doctor": ("SLACK_BOT_TOKEN",),
    "db": (),
}

TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


class ConfigError(Exception):
    """A start-up configuration problem, already phrased for the person deploying the bot."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore", case_sensitive=True)

    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    DATABASE_URL: str = "sqlite:///lunchlearn.db"
    PORT: int = Field(default=3000, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    GOOGLE_CREDENTIALS_FILE: Path | None = None
    GOOGLE_API_ROOT_URL: str | None = None
    DEFAULT_TIMEZONE: str = "UTC"
    # Threads that run Bolt listeners after ack; Bolt's default of 5 is too few for a busy talk.
    LISTENER_THREADS: int = Field(default=32, ge=1, le=512)
    # Minimum seconds between two chat.update calls on the same message (Slack Tier 3 is shared workspace-wide).
    MESSAGE_UPDATE_INTERVAL: float = Field(default=3.0, ge=0)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @field_validator("SLACK_API_URL")
    @classmethod
    def _api_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        # slack_sdk joins method names with urljoin, which needs the trailing slash.
        return v if v.endswith("/") else v + "/"

    @field_validator("GOOGLE_API_ROOT_URL")
    @classmethod
    def _google_root(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return v

    @field_validator("DATABASE_URL")
    @classmethod
    def _db_url(cls, v: str) -> str:
        try:
            make_url(v)
        except ArgumentError as exc:
            raise ValueError("is not a valid SQLAlchemy URL") from exc
        return v

    @field_validator("DEFAULT_TIMEZONE")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA time zone") from exc
        return v

    def require(self, mode: Mode) -> Settings:
        """Check the values a mode needs; raise ConfigError with one readable line."""
        for name in REQUIRED_BY_MODE[mode]:
            value = getattr(self, name)
            if not value:
                raise ConfigError(f"{name} is not set: {WHERE_TO_GET[name]}")
            prefix = TOKEN_PREFIXES.get(name)
            if prefix and not value.startswith(prefix):
                raise ConfigError(f"{name} is malformed (it should start with {prefix}): {WHERE_TO_GET[name]}")
        if self.GOOGLE_CREDENTIALS_FILE is not None and not self.GOOGLE_CREDENTIALS_FILE.is_file():
            raise ConfigError(
                f"GOOGLE_CREDENTIALS_FILE points to {self.GOOGLE_CREDENTIALS_FILE}, which does not exist: "
                f"{WHERE_TO_GET['GOOGLE_CREDENTIALS_FILE']}"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Read the environment and .env; turn pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "configuration"
        reason = str(err["msg"]).removeprefix("Value error, ")
        hint = WHERE_TO_GET.get(name, "")
        raise ConfigError(f"{name} is malformed ({reason}): {hint}".rstrip(": ")) from None
