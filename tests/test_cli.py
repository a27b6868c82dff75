"""The `lunchlearn` command line, run for real as a subprocess (`python -m bot ...`) in a clean environment."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from slack_bolt import App
from sqlalchemy.orm import Session

from bot import migrate
from bot.config import Settings
from bot.db.models import OutboxMessage, OutboxStatus
from bot.db.session import Database, make_engine
from bot.web import create_web_app
from tests.fakes.signing import signed_headers
from tests.fakes.slack_api import DEFAULT_SCOPES, FakeSlack
from tests.flow_runs_table import add_flow_runs

REPO = Path(__file__).resolve().parent.parent
APP_TABLES = {"workspaces", "talks", "talk_speakers", "rsvps", "processed_deliveries", "outbox"}
# Every variable the bot reads, plus whole prefixes, so the developer's own shell or .env never leaks in.
DROPPED_PREFIXES = ("SLACK_", "GOOGLE_")
DROPPED_NAMES = {"DATABASE_URL", "PORT", "DEFAULT_TIMEZONE", "LOG_LEVEL", *Settings.model_fields}
COMMAND_TIMEOUT = 30.0
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_PREFIXES) and k not in DROPPED_NAMES}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The process failed with exactly one line on stderr (Click's `Error: ...`); return it."""
    assert result.returncode != 0, f"expected a failure, got exit 0:\n{result.stdout}\n{result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line of error, got:\n{result.stderr}"
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def tables_in(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def head_revision() -> str:
    """The migration head(s) as `db current` prints them: comma-separated when feature branches are not merged."""
    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert heads
    return ",".join(sorted(heads))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


class Server:
    """A running `python -m bot serve`, its output going to a file (a pipe could fill up and block it)."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path, port: int) -> None:
        self.proc = proc
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode} before answering:\n{self.output()}")
            try:
                if http_get(f"{self.url}/healthz") == 200:
                    return
            except OSError:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                pytest.fail(f"/healthz did not answer 200 within {START_TIMEOUT}s:\n{self.output()}")
            time.sleep(0.1)


@contextmanager
def serving(tmp_path: Path, *args: str, **env: str) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", *args],
            cwd=tmp_path,
            # XDG_RUNTIME_DIR: gunicorn's control socket goes there instead of a ~/.gunicorn shared by every run.
            env=clean_env(PORT=str(port), XDG_RUNTIME_DIR=str(tmp_path), **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's worker goes down with it on a kill
        )
    try:
        yield Server(proc, log, port)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT)


# -- configuration errors -------------------------------------------------------------------------------------------


def test_serve_without_bot_token_says_where_to_get_it(tmp_path: Path) -> None:
    line = one_line_error(run_cli(tmp_path, "serve"))
    assert "SLACK_BOT_TOKEN is not set" in line
    assert "OAuth & Permissions" in line


def test_serve_without_signing_secret_says_where_to_get_it(tmp_path: Path) -> None:
    line = one_line_error(run_cli(tmp_path, "serve", SLACK_BOT_TOKEN="xoxb-test"))
    assert "SLACK_SIGNING_SECRET is not set" in line
    assert "Basic Information > App Credentials" in line


def test_socket_without_app_token_says_where_to_get_it(tmp_path: Path) -> None:
    line = one_line_error(run_cli(tmp_path, "socket", SLACK_BOT_TOKEN="xoxb-test"))
    assert "SLACK_APP_TOKEN is not set" in line
    assert "App-Level Tokens" in line


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "abc"), ("DEFAULT_TIMEZONE", "Mars/Olympus"), ("SLACK_BOT_TOKEN", "xoxp-user")],
)
def test_malformed_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", name: value}
    line = one_line_error(run_cli(tmp_path, "serve", **env))
    assert f"{name} is malformed" in line
    if name == "SLACK_BOT_TOKEN":
        assert value not in line, "a token is never echoed back"


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n", encoding="utf-8")
    line = one_line_error(run_cli(tmp_path, "serve"))
    assert "SLACK_SIGNING_SECRET is not set" in line  # moved on: the token came from .env

    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=s\n", encoding="utf-8")
    line = one_line_error(run_cli(tmp_path, "socket"))
    assert "SLACK_APP_TOKEN is not set" in line


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=3000\n", encoding="utf-8")
    line = one_line_error(run_cli(tmp_path, "serve", PORT="abc"))
    assert "PORT is malformed" in line


def test_env_example_lists_every_setting_with_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    example = REPO / ".env.example"
    text = example.read_text(encoding="utf-8")
    assigned = {line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert assigned == set(Settings.model_fields), "every Settings field, and nothing else, belongs in .env.example"
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    from_example = Settings(_env_file=example)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_example == defaults


# -- database -------------------------------------------------------------------------------------------------------


def test_db_upgrade_on_an_empty_file_then_current_says_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "lunchlearn.db"
    path.touch()
    url = sqlite_url(path)
    head = head_revision()

    before = run_cli(tmp_path, "db", "current", DATABASE_URL=url)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip().startswith("empty (behind head")

    upgraded = run_cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"revision {head} (head)" in upgraded.stdout
    assert APP_TABLES | {"alembic_version"} <= tables_in(path)

    current = run_cli(tmp_path, "db", "current", DATABASE_URL=url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"{head} (up to date)"


def test_db_upgrade_uses_the_default_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert APP_TABLES <= tables_in(tmp_path / "lunchlearn.db")


# -- serve ----------------------------------------------------------------------------------------------------------


def test_serve_migrates_answers_healthz_and_handles_a_signed_slash_command(tmp_path: Path) -> None:
    db_path = tmp_path / "x.db"
    with FakeSlack() as fake:
        fake.add_user("U1", name="ana", locale="en-US", tz="UTC")
        env = {
            "SLACK_API_URL": fake.base_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": sqlite_url(db_path),
        }
        with serving(tmp_path, **env) as server:
            server.wait_healthy()
            assert APP_TABLES | {"alembic_version"} <= tables_in(db_path)
            assert fake.calls_to("auth.test"), "serve checks the token at start"

            body = urllib.parse.urlencode(
                {
                    "token": "legacy",
                    "team_id": "T1",
                    "team_domain": "acme",
                    "channel_id": "C1",
                    "channel_name": "general",
                    "user_id": "U1",
                    "user_name": "ana",
                    "command": "/lunchlearn",
                    "text": "help",
                    "api_app_id": "AFAKE",
                    "response_url": fake.webhook_url("cli"),
                    "trigger_id": "trigger-1",
                }
            )
            request = urllib.request.Request(
                f"{server.url}/slack/events",
                data=body.encode("utf-8"),
                headers=signed_headers("s", body),
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
            [reply] = fake.wait_for("webhook/cli", timeout=10)
            assert reply.params.get("blocks"), reply.params

            unsigned = urllib.request.Request(
                f"{server.url}/slack/events",
                data=body.encode("utf-8"),
                headers=signed_headers("wrong-secret", body),
                method="POST",
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(unsigned, timeout=10)
            assert refused.value.code == 401
        assert server.proc.returncode is not None
        assert fake.validation_errors == []


def test_serve_with_json_logs_writes_only_json_lines_and_reports_leadership(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        env = {
            "SLACK_API_URL": fake.base_url,
            "SLACK_BOT_TOKEN": "xoxb-test-secret-token",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": sqlite_url(tmp_path / "x.db"),
            "LOG_FORMAT": "json",
        }
        with serving(tmp_path, **env) as server:
            server.wait_healthy()
            # The only process on this database wins the scheduler lease, and /metrics says so.
            deadline = time.monotonic() + 10
            while True:
                with urllib.request.urlopen(f"{server.url}/metrics", timeout=2) as response:
                    metrics = response.read().decode()
                if "lunchlearn_scheduler_leader 1.0" in metrics or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert "lunchlearn_scheduler_leader 1.0" in metrics
    lines = [line for line in server.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # gunicorn's own lines included
    assert any(r["logger"] == "gunicorn.error" for r in records), lines
    assert any("listening on" in r["message"] for r in records), lines
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert "xoxb-test-secret" not in server.output()


def test_serve_no_migrate_on_an_empty_database_still_answers_healthz(tmp_path: Path) -> None:
    db_path = tmp_path / "empty.db"
    with FakeSlack() as fake:
        env = {
            "SLACK_API_URL": fake.base_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": sqlite_url(db_path),
        }
        with serving(tmp_path, "--no-migrate", **env) as server:
            server.wait_healthy()
            assert "alembic_version" not in tables_in(db_path)


def test_serve_refuses_a_token_slack_rejects(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        fake.fail_next("auth.test", "invalid_auth")
        result = run_cli(
            tmp_path,
            "serve",
            SLACK_API_URL=fake.base_url,
            SLACK_BOT_TOKEN="xoxb-revoked",
            SLACK_SIGNING_SECRET="s",
            DATABASE_URL=sqlite_url(tmp_path / "x.db"),
            LOG_LEVEL="ERROR",
        )
    line = one_line_error(result)
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in line


# -- health endpoint ------------------------------------------------------------------------------------------------


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    app = App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
    database = Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/x")
    try:
        response = create_web_app(app, database, signing_secret="s").test_client().get("/healthz")
    finally:
        database.engine.dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_answers_200_when_the_database_answers() -> None:
    app = App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
    database = Database.from_url("sqlite://")
    try:
        response = create_web_app(app, database, signing_secret="s").test_client().get("/healthz")
    finally:
        database.engine.dispose()
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


# -- doctor ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def migrated_url(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "doctor.db")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url


def doctor(tmp_path: Path, fake: FakeSlack, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        tmp_path, "doctor", SLACK_API_URL=fake.base_url, SLACK_BOT_TOKEN="xoxb-test", DATABASE_URL=database_url, **env
    )


def test_doctor_all_ok(tmp_path: Path, migrated_url: str) -> None:
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, migrated_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout
    assert "FAIL" not in result.stdout
    assert "bot scopes: all granted" in result.stdout
    assert "ok    stuck work: none" in result.stdout


def test_doctor_names_a_missing_scope(tmp_path: Path, migrated_url: str) -> None:
    with FakeSlack(scopes=[s for s in DEFAULT_SCOPES if s != "reactions:write"]) as fake:
        result = doctor(tmp_path, fake, migrated_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bot scopes missing: reactions:write" in result.stdout
    assert "1 problem(s) found." in result.stdout


def test_doctor_reports_an_unmigrated_database(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, sqlite_url(tmp_path / "empty.db"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "database schema: empty" in result.stdout
    assert "lunchlearn db upgrade" in result.stdout


def test_doctor_reports_unusable_google_credentials(tmp_path: Path, migrated_url: str) -> None:
    credentials = tmp_path / "google.json"
    credentials.write_text("this is not json {", encoding="utf-8")
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, migrated_url, GOOGLE_CREDENTIALS_FILE=str(credentials))
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if "Google credentials" in line]
    assert line.startswith("FAIL")
    assert str(credentials) in line


def test_doctor_reports_missing_google_credentials_file(tmp_path: Path, migrated_url: str) -> None:
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, migrated_url, GOOGLE_CREDENTIALS_FILE=str(tmp_path / "nowhere.json"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("FAIL")
    assert "GOOGLE_CREDENTIALS_FILE" in result.stdout
    assert "does not exist" in result.stdout


def test_doctor_reports_stuck_outbox_messages(tmp_path: Path, migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                # Claimed 10 minutes ago by a process that never came back (the claim timeout is 60 s).
                OutboxMessage(
                    key="a",
                    kind="dm",
                    recipient="U1",
                    status=OutboxStatus.SENDING,
                    created_at=now - timedelta(minutes=12),
                    claimed_at=now - timedelta(minutes=10),
                ),
                # Being sent right now: not stuck.
                OutboxMessage(key="b", kind="dm", recipient="U2", status=OutboxStatus.SENDING, claimed_at=now),
                OutboxMessage(
                    key="c", kind="dm", recipient="U3", status=OutboxStatus.FAILED, created_at=now - timedelta(hours=3)
                ),
            ]
        )
    engine.dispose()
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, migrated_url)
    assert result.returncode == 1, result.stdout + result.stderr
    [sending] = [line for line in result.stdout.splitlines() if "outbox: messages in sending" in line]
    assert sending.startswith("FAIL")
    assert ": 1, oldest 10 min ago" in sending
    [failed] = [line for line in result.stdout.splitlines() if "outbox: failed" in line]
    assert failed == "warn  outbox: failed messages: 1, oldest 3 h ago"
    assert "1 problem(s) found." in result.stdout


def test_doctor_reports_overdue_and_failed_flow_steps(tmp_path: Path, migrated_url: str) -> None:
    now = datetime.now(UTC)
    add_flow_runs(
        migrated_url,
        ("pending", now - timedelta(minutes=10), now - timedelta(minutes=5)),  # due 5 minutes ago: nobody runs it
        ("pending", now, now + timedelta(minutes=5)),  # backing off: not stuck
        ("pending", now - timedelta(seconds=20), now - timedelta(seconds=10)),  # due just now: not stuck yet
        ("failed", now - timedelta(days=2), None),
    )
    with FakeSlack() as fake:
        result = doctor(tmp_path, fake, migrated_url)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "FAIL  flow steps: pending more than 1 min past their time: 1, oldest 5 min ago" in lines
    assert "warn  flow steps: failed: 1, oldest 2 d ago" in lines


def test_doctor_without_token(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "doctor")
    assert result.returncode == 1
    assert "FAIL" in result.stdout
    assert "SLACK_BOT_TOKEN is not set" in result.stdout


def test_version(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert "0.1.0" in result.stdout
