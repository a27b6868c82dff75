"""Shared fixtures: the fake Slack, a migrated database (SQLite and PostgreSQL), the bot behind real HTTP."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from bot.app import create_app
from bot.config import Settings
from bot.container import Container, build_container
from bot.db.session import Database
from bot.migrate import upgrade
from bot.web import create_web_app
from tests.databases import fresh_database, postgres_reachable
from tests.fakes.slack_api import FakeSlack
from tests.slack_driver import SlackDriver

SECRET = "test-signing-secret"

# People and channels every scenario can use.
ORGANISER = "UORG"  # English, New York
SPEAKER = "USPK"  # Japanese, Tokyo
ATTENDEE = "UATT"
OTHER = "UOTHER"
ADMIN = "UADMIN"
GENERAL = "CGENERAL"  # public, bot is a member
RANDOM = "CRANDOM"  # public, bot not a member yet
SECRET_ROOM = "GSECRET"  # private, bot not invited
ARCHIVE = "CARCHIVE"  # archived


def _db_params() -> list[object]:
    marks = []
    if not postgres_reachable():
        if os.environ.get("REQUIRE_POSTGRES"):
            raise RuntimeError("REQUIRE_POSTGRES is set but no PostgreSQL answers at TEST_DATABASE_URL")
        marks.append(pytest.mark.skip(reason="no PostgreSQL reachable at TEST_DATABASE_URL"))
    return ["sqlite", pytest.param("postgresql", marks=marks)]


@pytest.fixture(params=_db_params())
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(db_kind, tmp_path_factory) as url:
        yield url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(bot_user_id="UBOT", team_id="T1")
    fake.add_user(ORGANISER, name="olivia", locale="en-US", tz="America/New_York")
    fake.add_user(SPEAKER, name="sora", locale="ja-JP", tz="Asia/Tokyo")
    fake.add_user(ATTENDEE, name="ana", locale="en-GB", tz="Europe/London")
    fake.add_user(OTHER, name="otto", locale="en-US", tz="America/Chicago")
    fake.add_user(ADMIN, name="ada", locale="en-US", tz="UTC", is_admin=True)
    fake.add_channel(GENERAL, name="general")
    fake.add_channel(RANDOM, name="random", is_member=False)
    fake.add_channel(SECRET_ROOM, name="secret", is_private=True, is_member=False)
    fake.add_channel(ARCHIVE, name="old", is_archived=True)
    with fake:
        yield fake
    assert fake.validation_errors == [], "the bot sent Block Kit that Slack would reject"


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
        DEFAULT_TIMEZONE="UTC",
        MESSAGE_UPDATE_INTERVAL=0,
        LISTENER_THREADS=8,
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    db = Database.from_url(settings.DATABASE_URL)
    upgrade(db.engine)
    built = build_container(settings, db=db)
    yield built
    built.refresher.flush()
    # Threads that would outlive the test and talk to a database that is gone (YouTube chat polls, survey DMs).
    built.question_bridge.stop()
    built.surveys.stop(timeout=2)
    db.engine.dispose()


@pytest.fixture
def bot_url(container: Container) -> Iterator[str]:
    """The bot's WSGI app served over real HTTP on a random loopback port."""
    app = create_app(container)
    web = create_web_app(app, container.db, signing_secret=SECRET, calendar=container.series.feed)
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def slack(bot_url: str, fake_slack: FakeSlack) -> SlackDriver:
    return SlackDriver(url=f"{bot_url}/slack/events", secret=SECRET, fake=fake_slack)
