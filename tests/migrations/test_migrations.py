"""Alembic: upgrade head on an empty database works, and the models match the migrations exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot import migrate
from bot.db.base import Base
from bot.db.session import make_engine


def test_upgrade_head_on_empty_database_then_no_autogenerate_diff(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        assert "," not in str(migrate.head_revision(engine)), "migrations must form one line (no branches)"
        tables = set(inspect(engine).get_table_names())
        assert {"workspaces", "talks", "talk_speakers", "rsvps", "processed_deliveries", "outbox"} <= tables

        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        # Running it again is a no-op (serve applies migrations at every start).
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        from alembic import command

        cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert "talks" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert "talks" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
