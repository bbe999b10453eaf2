"""Migration 0008 drops the events table's index of latest days across all streams, which no
reader seeks on (see tests/test_event_plans.py), and its downgrade builds it again."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect

from ledger.config import Settings
from ledger.container import build_ledger
from ledger.store.migrate import alembic_config, upgrade

BEFORE = "0007_shared_state_rows"


def indexes(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("events")}


def test_the_index_of_latest_days_alone_goes_and_a_downgrade_builds_it_again(
    backend: str, fresh_database_url: Any
) -> None:
    ledger = build_ledger(Settings(database_url=fresh_database_url(backend)))
    try:
        upgrade(ledger.engine, BEFORE)
        assert "ix_events_latest" in indexes(ledger.engine)
        upgrade(ledger.engine)
        after = indexes(ledger.engine)
        assert "ix_events_latest" not in after
        assert {"ix_events_stream_latest", "ix_events_stream_version"} <= after
        command.downgrade(alembic_config(ledger.engine), BEFORE)
        assert "ix_events_latest" in indexes(ledger.engine)
    finally:
        ledger.close()
