"""The bot behind real HTTP, as in tests/conftest.py, plus what edge tests need: a way to wait until every
listener has finished (errors are logged after the ack) and a fingerprint of the whole database."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_bolt import App
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.container import Container
from bot.db.base import Base
from bot.web import create_web_app
from tests.conftest import SECRET


@pytest.fixture
def bolt_app(container: Container) -> App:
    return create_app(container)


@pytest.fixture
def bot_url(container: Container, bolt_app: App) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_web_app(bolt_app, container.db, signing_secret=SECRET), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def settle(app: App, timeout: float = 10.0) -> None:
    """Return once every listener submitted so far has finished: all workers meet at a barrier, which they can
    only reach after the queue ahead of them is done (the queue is FIFO)."""
    executor: ThreadPoolExecutor = app.listener_runner.listener_executor  # type: ignore[assignment]
    workers = executor._max_workers
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        executor.submit(barrier.wait, timeout)
    barrier.wait(timeout)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def db_fingerprint(container: Container) -> dict[str, str]:
    """A digest of every table's rows: equal fingerprints mean nothing was written (a diff names the table)."""
    out: dict[str, str] = {}
    with container.db.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in session.execute(select(table)))
            out[table.name] = f"{len(rows)}:" + hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    return out
