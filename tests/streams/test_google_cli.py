"""`lunchlearn google login` and the Google section of `lunchlearn doctor`, run as real subprocesses against the
fake Google (and the fake Slack for doctor's other checks)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from google.auth.transport.requests import Request

from bot import migrate
from bot.db import streams_repo
from bot.db.session import Database
from bot.integrations.google_auth import load_credentials
from bot.services.streams.service import quota_day
from tests.fakes.google_api import CLIENT_ID, CLIENT_SECRET, FakeGoogle
from tests.fakes.slack_api import FakeSlack
from tests.test_cli import REPO, clean_env, run_cli


def test_google_login_help(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "google", "login", "--help")
    assert result.returncode == 0, result.stderr
    assert "--client-secrets" in result.stdout and "authorized_user" in result.stdout


def test_google_login_writes_an_authorized_user_file_with_its_token_uri(
    tmp_path: Path, fake_google: FakeGoogle
) -> None:
    secrets = tmp_path / "client.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "auth_uri": fake_google.base_url + "auth",
                    "token_uri": fake_google.token_url,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    output = tmp_path / "creds" / "google.json"
    fake_google.auth_codes["code-123"] = "1//refresh-from-login"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "google",
            "login",
            "--client-secrets",
            str(secrets),
            "--output",
            str(output),
            "--for",
            "youtube",
            "--host",
            "127.0.0.1",
            "--no-browser",
        ],
        cwd=tmp_path,
        env=clean_env(OAUTHLIB_INSECURE_TRANSPORT="1", PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            line = process.stdout.readline()
            if match := re.search(r"(http://\S+/auth\?\S+)", line):
                url = match.group(1)
        assert url, "the login command printed no authorization URL"
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert query["scope"] == ["https://www.googleapis.com/auth/youtube"]
        assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
        # The browser's redirect after consent, to the local listener.
        redirect = query["redirect_uri"][0]
        back = f"{redirect}?{urllib.parse.urlencode({'state': query['state'][0], 'code': 'code-123'})}"
        with urllib.request.urlopen(back, timeout=10) as response:
            assert response.status == 200
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert f"Wrote {output}" in out
    info = json.loads(output.read_text())
    assert info["type"] == "authorized_user" and info["token_uri"] == fake_google.token_url
    assert info["refresh_token"] == "1//refresh-from-login" and info["client_id"] == CLIENT_ID
    assert output.stat().st_mode & 0o777 == 0o600
    # The bot loads it, honouring token_uri, and refreshes against it.
    loaded = load_credentials(output)
    loaded.credentials.refresh(Request())
    assert fake_google.calls("token")[-1].body["refresh_token"] == "1//refresh-from-login"


def test_doctor_checks_google_and_reports_quota(tmp_path: Path, fake_google: FakeGoogle, fake_slack: FakeSlack) -> None:
    creds = fake_google.write_authorized_user(tmp_path / "google.json")
    url = f"sqlite:///{tmp_path / 'lunchlearn.db'}"
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    with db.session() as session:
        streams_repo.add_quota(session=session, day=quota_day(), units=150)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": url,
        "GOOGLE_CREDENTIALS_FILE": str(creds),
        "GOOGLE_API_ROOT_URL": fake_google.base_url,
    }
    result = run_cli(tmp_path, "doctor", **env)
    assert "ok    Google credentials: authorized_user" in result.stdout, result.stdout
    assert "ok    YouTube Data API v3: answers" in result.stdout
    assert "ok    Google Calendar API: answers" in result.stdout
    assert "YouTube quota: 151 of 10000 units used today" in result.stdout  # the doctor's own list call counts
    assert [c.op for c in fake_google.calls()] == ["token", "liveBroadcasts.list", "events.list"]

    # The API disabled in the project, and revoked credentials: each a FAIL line with the reason, exit 1.
    fake_google.fail_next("events.list", "disabled")
    result = run_cli(tmp_path, "doctor", **env)
    assert result.returncode == 1
    assert "FAIL  Google Calendar API: api_disabled" in result.stdout
    fake_google.reject_refresh = "invalid_grant"
    result = run_cli(tmp_path, "doctor", **env)
    assert result.returncode == 1 and "FAIL  Google credentials" in result.stdout and "invalid_grant" in result.stdout
    db.engine.dispose()
