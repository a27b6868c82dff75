"""Test databases: a fresh SQLite file, or a fresh schema in the PostgreSQL given by TEST_DATABASE_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


_reachable: bool | None = None


def postgres_reachable() -> bool:
    global _reachable
    if _reachable is None:
        try:
            engine = create_engine(postgres_base_url(), connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _reachable = True
        except (OperationalError, ImportError):
            _reachable = False
    return _reachable


@contextmanager
def fresh_database(kind: str, tmp_path_factory: object) -> Iterator[str]:
    """Yield a URL of an empty database of `kind` ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("db") / "lunchlearn.db"  # type: ignore[attr-defined]
        yield f"sqlite:///{path}"
        return
    base = postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    # Each test gets its own schema through search_path, so tests and parallel CI runs never collide.
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
