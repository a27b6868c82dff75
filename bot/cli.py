"""`lunchlearn` command line: serve, socket, db upgrade/current, doctor."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError, Mode, Settings, load_settings
from bot.logging_setup import configure_logging, gunicorn_logger_class

logger = logging.getLogger("lunchlearn")


def _settings(mode: Mode) -> Settings:
    try:
        return load_settings().require(mode)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _migrate(settings: Settings) -> None:
    from bot import migrate
    from bot.db.session import make_engine

    engine = make_engine(settings.DATABASE_URL)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    except Exception as exc:
        raise click.ClickException(
            f"DATABASE_URL: could not migrate the database ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        engine.dispose()
    if before != after:
        logger.info("Database migrated from %s to %s", before or "empty", after)


def _check_slack(settings: Settings) -> None:
    """Fail fast on a wrong token; a Slack outage only warns (the bot retries later)."""
    from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError, make_web_client

    try:
        SlackGateway(make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL)).auth_test()
    except SlackGatewayError as exc:
        if exc.error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
            raise click.ClickException(
                f"SLACK_BOT_TOKEN was refused by Slack ({exc.error}): copy the Bot User OAuth Token from "
                "OAuth & Permissions of the app created from manifest.json"
            ) from None
        logger.warning("Could not reach Slack at SLACK_API_URL (%s); starting anyway", exc.error)


def _preflight_in_child(settings: Settings, *, migrate: bool) -> None:
    """Migrate and check the token in a short-lived child process: alembic, the Slack SDK and their objects then
    never load into gunicorn's master, which only forks and watches the worker (the worker imports what it needs
    after the fork). Without fork (not Linux or macOS) it runs here."""
    if not hasattr(os, "fork"):
        if migrate:
            _migrate(settings)
        _check_slack(settings)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: report like the command itself would, then exit without running atexit handlers
        code = 0
        try:
            if migrate:
                _migrate(settings)
            _check_slack(settings)
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except BaseException:
            logger.exception("Start-up checks failed")
            code = 1
        finally:
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(code)


def _build_app(settings: Settings, *, under_gunicorn: bool = False) -> Any:
    """The container, the Bolt app, and this process's scheduler (it runs jobs only while holding the lease)."""
    import atexit

    from bot import crash
    from bot.app import create_app
    from bot.container import build_container
    from bot.observability import metrics
    from bot.scheduling.runtime import SchedulerRuntime

    crash.configure(settings.CRASH_POINT, kill_parent=under_gunicorn)
    container = build_container(settings)
    app = create_app(container, token_verification=False)
    runtime = SchedulerRuntime(container)
    metrics.watch_leader(lambda: runtime.is_leader)
    runtime.start()
    # Every process works on flow steps that are due (retries, runs a dead process left, other replicas' runs).
    container.flows.start_worker()
    # Hand the lease over at once on a clean shutdown instead of letting it lapse.
    atexit.register(runtime.stop)
    atexit.register(container.flows.stop_worker)
    return container, app


@click.group()
@click.version_option(package_name="lunchlearn")
def main() -> None:
    """lunchlearn: lunch & learn talks in Slack."""


@main.command()
@click.option("--no-migrate", is_flag=True, help="Do not apply pending database migrations at start.")
@click.option("--threads", default=8, show_default=True, help="HTTP worker threads.")
def serve(no_migrate: bool, threads: int) -> None:
    """Run over HTTP (POST /slack/events, GET /healthz) on 0.0.0.0:$PORT with gunicorn."""
    from gunicorn.app.base import BaseApplication

    settings = _settings("http")
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    _preflight_in_child(settings, migrate=not no_migrate)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.PORT}")
            # One process: the scheduler (lifecycle) must run once per replica group; scale with replicas.
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("loglevel", settings.LOG_LEVEL.lower())
            if settings.LOG_FORMAT == "json":
                self.cfg.set("logger_class", gunicorn_logger_class())

        def load(self) -> Any:
            # Built in the worker after fork, so no connection or thread crosses the fork.
            from bot.web import create_web_app

            container, app = _build_app(settings, under_gunicorn=True)
            logger.info("lunchlearn listening on 0.0.0.0:%s", settings.PORT)
            return create_web_app(
                app,
                container.db,
                signing_secret=settings.SLACK_SIGNING_SECRET or "",
                calendar=container.series.feed,
            )

    Server().run()


@main.command()
@click.option("--no-migrate", is_flag=True, help="Do not apply pending database migrations at start.")
def socket(no_migrate: bool) -> None:
    """Run over Socket Mode (no public URL needed; for laptops and development)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.integrations.slack_gateway import make_web_client

    settings = _settings("socket")
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    if not no_migrate:
        _migrate(settings)
    _check_slack(settings)
    _, app = _build_app(settings)
    handler = SocketModeHandler(
        app, settings.SLACK_APP_TOKEN, web_client=make_web_client(None, settings.SLACK_API_URL), concurrency=16
    )
    logger.info("lunchlearn connected over Socket Mode")
    handler.start()


@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from bot import migrate
    from bot.db.session import make_engine

    settings = _settings("db")
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    _migrate(settings)
    engine = make_engine(settings.DATABASE_URL)
    click.echo(f"Database is at revision {migrate.current_revision(engine)} (head).")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and whether migrations are pending."""
    from bot import migrate
    from bot.db.session import make_engine

    settings = _settings("db")
    engine = make_engine(settings.DATABASE_URL)
    try:
        current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    except Exception as exc:
        raise click.ClickException(f"DATABASE_URL: could not read the database ({type(exc).__name__})") from None
    state = "up to date" if current == head else f"behind head {head}: run `lunchlearn db upgrade`"
    click.echo(f"{current or 'empty'} ({state})")


def manifest_path() -> Path:
    packaged = Path(__file__).parent / "_manifest.json"
    return packaged if packaged.is_file() else Path(__file__).parent.parent / "manifest.json"


def manifest_scopes() -> list[str]:
    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    return list(manifest["oauth_config"]["scopes"]["bot"])


@main.command()
def doctor() -> None:
    """Check the Slack token and scopes, the database and the Google credentials; exit 1 on a problem."""
    from bot import migrate
    from bot.db.session import Database
    from bot.integrations.slack_gateway import SlackGateway, SlackGatewayError, make_web_client

    problems = 0

    def report(ok: bool, text: str) -> None:
        nonlocal problems
        problems += 0 if ok else 1
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {text}")

    try:
        settings = load_settings().require("doctor")
    except ConfigError as exc:
        report(False, str(exc))
        sys.exit(1)
    report(True, "configuration")

    gateway = SlackGateway(make_web_client(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL))
    try:
        info, scopes = gateway.auth_test()
        report(
            True, f"Slack token: bot {info.get('user_id')} in workspace {info.get('team')} ({settings.SLACK_API_URL})"
        )
        missing = sorted(set(manifest_scopes()) - set(scopes))
        report(
            not missing,
            "bot scopes: all granted"
            if not missing
            else f"bot scopes missing: {', '.join(missing)} "
            "(add them under OAuth & Permissions, or recreate the app from manifest.json, then reinstall it)",
        )
    except SlackGatewayError as exc:
        report(False, f"Slack token: auth.test failed ({exc.error}) at {settings.SLACK_API_URL}")

    database = Database.from_url(settings.DATABASE_URL)
    if database.ping():
        current, head = migrate.current_revision(database.engine), migrate.head_revision(database.engine)
        report(True, f"database: reachable ({database.engine.url.render_as_string(hide_password=True)})")
        report(
            current == head,
            f"database schema: {current or 'empty'}"
            + ("" if current == head else f", head is {head}: run `lunchlearn db upgrade` (serve does it at start)"),
        )
        from bot.observability.stuck import stuck_work

        for state, text in stuck_work(database.engine):
            if state == "warn":
                click.echo(f"warn  {text}")
            else:
                report(state == "ok", text)
    else:
        report(False, f"database: cannot connect to {database.engine.url.render_as_string(hide_password=True)}")

    # Google (streams): credentials refresh, the APIs answer, YouTube units spent today.
    from bot.services.streams.service import doctor_checks

    for state, text in doctor_checks(settings, database if database.ping() else None):
        if state == "skip":
            click.echo(f"skip  {text}")
        else:
            report(state == "ok", text)

    click.echo("All checks passed." if not problems else f"{problems} problem(s) found.")
    sys.exit(1 if problems else 0)


# Google (streams) -----------------------------------------------------------------------------------------------------


@main.group()
def google() -> None:
    """Google credentials for YouTube Live and Google Meet links (docs/google.md)."""


@google.command("login")
@click.option(
    "--client-secrets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The OAuth client JSON (type Desktop app) downloaded from Google Cloud > APIs & Services > Credentials.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the credentials (default: GOOGLE_CREDENTIALS_FILE, else ./google-credentials.json).",
)
@click.option(
    "--for",
    "kind",
    type=click.Choice(["youtube", "meet", "both"]),
    default="both",
    show_default=True,
    help="Which links the account will create (the scopes asked for).",
)
@click.option("--host", default="localhost", show_default=True, help="Host of the local redirect listener.")
@click.option("--port", default=0, show_default=True, help="Port of the local redirect listener (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Print the URL instead of opening a browser.")
def google_login(client_secrets: Path, output: Path | None, kind: str, host: str, port: int, no_browser: bool) -> None:
    """Sign in as the YouTube channel (or calendar) owner and write an authorized_user credentials file."""
    from bot.integrations.google_auth import GoogleApiError, run_login

    if output is None:
        try:
            configured = load_settings().GOOGLE_CREDENTIALS_FILE
        except ConfigError:
            configured = None
        output = configured or Path("google-credentials.json")
    try:
        written = run_login(
            client_secrets=client_secrets, output=output, kind=kind, host=host, port=port, open_browser=not no_browser
        )
    except GoogleApiError as exc:
        raise click.ClickException(exc.detail) from None
    except ValueError as exc:
        raise click.ClickException(f"{client_secrets} is not an OAuth client file for a Desktop app ({exc})") from None
    click.echo(f"Wrote {output} (scopes: {' '.join(written['scopes'])}; token endpoint {written['token_uri']}).")
    click.echo(f"Set GOOGLE_CREDENTIALS_FILE={output} and run `lunchlearn doctor` to check it.")
