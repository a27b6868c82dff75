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
    "LOG_FORMAT": "use text (one readable line per record) or json (one JSON object per line)",
    "DEFAULT_TIMEZONE": "give an IANA time zone name such as Europe/London or Asia/Tokyo",
    "GOOGLE_CREDENTIALS_FILE": "give the path of a google-auth credentials JSON file",
    "GOOGLE_API_ROOT_URL": "leave it unset for Google, or give an http(s) URL",
    "REMINDER_OFFSETS": "give minutes before the start, comma-separated, e.g. 1440,10",
    # Streams (YouTube Live / Google Meet), see docs/google.md
    "GOOGLE_IMPERSONATE_USER": "give the e-mail address of the Google Workspace user whose calendar holds the "
    "Meet events (needed with a service account)",
    "GOOGLE_CALENDAR_ID": "give a calendar id such as primary or team@example.com",
    "YOUTUBE_PRIVACY": "use one of public, unlisted, private",
    # Reactions, see docs/reactions.md
    "REACTION_LEGEND": "give emoji=label pairs separated by commas, e.g. clap=applause,bulb=learned",
    # Proposals board, see docs/proposals.md
    "PROPOSALS_CHANNEL": "give a channel id such as C0123456789 (channel details > About, at the bottom)",
    # Calendar (.ics download)
    "PUBLIC_URL": "give the bot's public https address, e.g. https://lunchlearn.example.com, or leave it unset",
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
    # json: one JSON object per line (time, level, logger, message), for log shippers.
    LOG_FORMAT: Literal["text", "json"] = "text"
    GOOGLE_CREDENTIALS_FILE: Path | None = None
    GOOGLE_API_ROOT_URL: str | None = None
    DEFAULT_TIMEZONE: str = "UTC"
    # The public https address of this bot (HTTP mode): series calendar feed URLs (GET /calendar/<token>.ics) and the
    # card's .ics download (GET /talks/<id>/<token>.ics; unset, the card offers no .ics).
    PUBLIC_URL: str = ""
    # Threads that run Bolt listeners after ack; Bolt's default of 5 is too few for a busy talk.
    LISTENER_THREADS: int = Field(default=32, ge=1, le=512)
    # Reminder leads in minutes before a talk (a talk can override them in its modal).
    REMINDER_OFFSETS: str = "1440,10"
    # Run the scheduler in this process when it wins the lease (false: a web-only replica).
    SCHEDULER_ENABLED: bool = True
    # The scheduler lease: a dead leader is replaced after at most this many seconds (renewed every third).
    SCHEDULER_LEASE_SECONDS: float = Field(default=20, ge=1, le=300)
    # How often the leader re-reads talks to pick up ones created or edited on other replicas.
    SCHEDULER_SYNC_SECONDS: float = Field(default=10, ge=0.5, le=300)
    # Minimum seconds between two chat.update calls on the same message (Slack Tier 3 is shared workspace-wide).
    MESSAGE_UPDATE_INTERVAL: float = Field(default=3.0, ge=0)
    # How long a private channel's member list is trusted (who may see its talks); someone who leaves the channel
    # stops seeing its talks, reminders and links within this many seconds. 0: ask Slack every time.
    CHANNEL_MEMBERS_CACHE_SECONDS: float = Field(default=60, ge=0, le=3600)
    # Talk flows (bot/flows): a failed step is retried after FLOW_RETRY_BASE_SECONDS, doubling up to
    # FLOW_RETRY_MAX_SECONDS, FLOW_MAX_ATTEMPTS times; then the organiser is told.
    FLOW_RETRY_BASE_SECONDS: float = Field(default=5, ge=0)
    FLOW_RETRY_MAX_SECONDS: float = Field(default=300, ge=0)
    FLOW_MAX_ATTEMPTS: int = Field(default=8, ge=1, le=50)
    # How long a process holds a flow run it works on; another replica takes it over after this (at once when
    # the holder was on the same host and its process is gone).
    FLOW_CLAIM_SECONDS: float = Field(default=120, ge=5)
    # How often each process looks for flow steps that are due (retries, runs from other replicas).
    FLOW_POLL_SECONDS: float = Field(default=1.0, gt=0, le=60)
    # Testing only: exit hard at this named point (bot/crash.py POINTS) to prove a restart loses nothing.
    CRASH_POINT: str | None = None

    # --- Reactions as live feedback (bot/services/reactions/service.py, docs/reactions.md) ---
    # Legend on the live post, seeded as reactions: emoji=label key (reactions.legend.<key> in the catalogs;
    # a key the catalogs do not know is shown as written).
    # Each emoji reads as its meaning (":question:" would read as "I have a question", so "lost" is :confused:).
    REACTION_LEGEND: str = "clap=applause,bulb=learned,confused=lost,turtle=slow_down,rabbit2=speed_up,mute=cant_hear"
    # Emoji that nudge the speakers on their boards (talks that opted in) when this many arrive within a minute
    # (one nudge per quiet period).
    REACTION_SIGNALS: str = "mute,turtle,rabbit2"
    REACTION_SIGNAL_THRESHOLD: int = Field(default=5, ge=1)
    REACTION_NUDGE_QUIET_MINUTES: int = Field(default=5, ge=1)
    # Emoji whose surge (threshold within a minute) is highlighted in the pulse, besides the signals.
    REACTION_HIGHLIGHTS: str = "confused"

    @field_validator("REACTION_LEGEND")
    @classmethod
    def _legend(cls, v: str) -> str:
        for item in filter(None, (part.strip() for part in v.split(","))):
            emoji, sep, label = item.partition("=")
            if not sep or not emoji.strip(" :") or not label.strip():
                raise ValueError("must look like clap=applause,bulb=learned (emoji=label, comma-separated)")
        return v

    # --- Streams: YouTube Live and Google Meet (bot/services/streams/, docs/google.md) ---
    # Subject for a service account with domain-wide delegation (whose calendar gets the Meet events).
    GOOGLE_IMPERSONATE_USER: str | None = None
    GOOGLE_CALENDAR_ID: str = "primary"
    YOUTUBE_PRIVACY: Literal["public", "unlisted", "private"] = "unlisted"
    # Add RSVPed attendees' e-mail addresses as guests of the Meet event (needs the users:read.email scope).
    GOOGLE_MEET_INVITE_ATTENDEES: bool = False
    # execute(num_retries=...) for idempotent calls; creations get as many attempts, checked for duplicates.
    GOOGLE_API_RETRIES: int = Field(default=3, ge=0, le=10)
    # Multiplier on googleapiclient's randomized exponential backoff (rand() * 2**n s); tests set 0.
    GOOGLE_RETRY_BACKOFF: float = Field(default=1.0, ge=0)
    GOOGLE_HTTP_TIMEOUT: float = Field(default=30.0, gt=0)
    # Meet conferences are created asynchronously: poll events.get this often, this many times.
    GOOGLE_MEET_POLL_INTERVAL: float = Field(default=1.0, ge=0)
    GOOGLE_MEET_POLL_ATTEMPTS: int = Field(default=10, ge=1, le=120)
    # The project's YouTube Data API quota per day (Google's default is 10,000 units), for doctor's report.
    YOUTUBE_DAILY_QUOTA: int = Field(default=10_000, ge=1)

    # --- Live questions (bot/services/questions/, docs/questions.md) ---
    # Questions one person may ask per minute (all talks, all ways of asking).
    QUESTION_RATE_LIMIT: int = Field(default=5, ge=1)
    # Days after a talk ends before the asker of an anonymous question is erased from the database.
    QUESTION_ANONYMOUS_RETENTION_DAYS: int = Field(default=30, ge=0)
    # YouTube live chat bridge: quota units it may spend per hour of talk (liveChatMessages.list costs 5).
    QUESTION_YOUTUBE_UNITS_PER_HOUR: int = Field(default=1000, ge=10)

    # --- Surveys: post-talk feedback and the report (bot/services/surveys/, docs/surveys.md) ---
    # After the talk's end: one reminder to non-respondents, then the survey closes (per talk in survey_configs).
    SURVEY_REMINDER_HOURS: float = Field(default=24, gt=0, le=24 * 14)
    SURVEY_CLOSE_HOURS: float = Field(default=72, gt=0, le=24 * 30)
    # The preliminary report goes out this long after the end; the final one at close.
    SURVEY_PRELIMINARY_HOURS: float = Field(default=1, gt=0, le=24 * 14)
    # Results reach speakers (and the announcement thread) only with at least this many answers.
    SURVEY_MIN_RESPONSES: int = Field(default=3, ge=1)
    # Survey DM pacing (AIMD): start rate, ceiling (Slack: "several hundred per minute" workspace-wide).
    SURVEY_DM_START_PER_MINUTE: float = Field(default=120, gt=0)
    SURVEY_DM_MAX_PER_MINUTE: float = Field(default=300, gt=0)
    # Retries of 5xx/network failures: exponential backoff from this base, up to this many attempts.
    SURVEY_RETRY_BASE_SECONDS: float = Field(default=5, ge=0)
    SURVEY_MAX_ATTEMPTS: int = Field(default=8, ge=1, le=50)
    # A row claimed longer ago than this belongs to a dead worker (longer than one Slack call can take).
    SURVEY_CLAIM_TIMEOUT: float = Field(default=60, gt=0)
    # Start the fan-out worker thread when a talk ends (false: only the scheduled survey_sweep job sends).
    SURVEY_WORKER_AUTOSTART: bool = True
    # People who RSVPed going but showed no sign of attending (no Join click, reaction, question or vote while live)
    # get no survey ("thanks for joining") and only the recording DM. Off by default: people in the room, or who
    # opened the stream from elsewhere, leave no such sign and would miss the survey.
    SURVEY_SKIP_NO_SHOWS: bool = False
    # A chart uploaded a moment ago may still be processing when the report message shows it (Slack answers
    # invalid_blocks): retry that many times, waiting this long, doubling; then the report goes without charts.
    REPORT_CHART_RETRIES: int = Field(default=3, ge=0, le=10)
    REPORT_CHART_RETRY_SECONDS: float = Field(default=1.0, ge=0, le=60)

    # pipeline: the proposals board (docs/proposals.md)
    # Channel of the board when the proposer picks none, and of survey topic suggestions (unset: the talk's channel).
    PROPOSALS_CHANNEL: str | None = None
    # People who may accept or decline proposals besides workspace admins and anyone who organised a talk.
    ORGANISER_IDS: str = ""
    # Language of the boards posted in channels (each person's own DMs and lists follow their Slack language).
    PROPOSALS_LANGUAGE: Literal["en", "ja"] = "en"

    @property
    def organiser_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.ORGANISER_IDS.replace(" ", ",").split(",") if part.strip())

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.lower() if isinstance(v, str) else v

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

    @field_validator("REMINDER_OFFSETS")
    @classmethod
    def _offsets(cls, v: str) -> str:
        parts = [p.strip() for p in v.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= 10080 for p in parts) or len(parts) > 5:
            raise ValueError("must be up to 5 comma-separated minute counts between 1 and 10080")
        return ",".join(parts)

    @field_validator("PROPOSALS_CHANNEL")
    @classmethod
    def _channel_id(cls, v: str | None) -> str | None:
        if v is not None and not (v[:1] in ("C", "G") and v.isalnum() and v.isupper() and len(v) <= 32):
            raise ValueError("must be a channel id such as C0123456789")
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
