"""Append throughput of the event store against a bare ``executemany`` baseline.

Appends N events (≈300-byte payloads over S streams) in batches of 500 through
``EventStore.append_batches`` — validation, idempotency check, writer lock, hash chain, triggers —
and, in the same run, inserts the same rows with plain ``executemany`` into an identical bare
table (no triggers, no hash) as the physical baseline. Prints events/s for both and the ratio.

    python bench/append.py                       # SQLite file, 100,000 events
    python bench/append.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/append.py --with-projections    # the store as the app wires it
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, MetaData, Table, insert, text

from ledger.config import Settings
from ledger.container import build_ledger
from ledger.domain.new_event import NewEvent, parse_new_event
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.service.handlers import LedgerService
from ledger.store.migrate import upgrade
from ledger.store.tables import EventRow

BATCH = 500
DESCRIPTION = (
    "Searched at home by officers of the National Security Committee, who seized phones and "
    "laptops; relatives were questioned for several hours and warned not to speak to the press "
    "or to foreign diplomats about the case. "
)


def make_event(index: int) -> NewEvent:
    return parse_new_event(
        {
            "id": str(uuid.uuid4()),
            "type": "IncidentReported",
            "occurredOn": f"{2010 + index % 10}-{1 + index % 12:02d}",
            "data": {"kind": "SEARCH", "description": DESCRIPTION + str(index)},
            "sources": [{"title": "Bench report", "published": "2020-01"}],
        }
    )


def batches(total: int, streams: int) -> list[list[StreamAppend]]:
    """Calls of BATCH events each, spread evenly over the streams."""
    per_stream = max(1, total // streams)
    per_call = max(1, BATCH // per_stream)
    calls: list[list[StreamAppend]] = []
    index = 0
    for first in range(0, streams, per_call):
        call = []
        for stream in range(first, min(first + per_call, streams)):
            events = tuple(make_event(index + i) for i in range(per_stream))
            index += per_stream
            call.append(StreamAppend(f"person-bench-{stream}", events))
        calls.append(call)
    return calls


def fresh_url(postgres: str | None, folder: Path, name: str) -> tuple[str, Callable[[], None]]:
    if postgres is None:
        return f"sqlite:///{folder / name}.db", lambda: None
    from sqlalchemy import create_engine

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in postgres else "?"
    return f"{postgres}{separator}options=-csearch_path%3D{schema}", drop


def run_store(url: str, calls: list[list[StreamAppend]], projections: bool) -> float:
    ledger = build_ledger(Settings(database_url=url))
    upgrade(ledger.engine)
    service = ledger.service if projections else LedgerService(ledger.store)
    start = time.perf_counter()
    for call in calls:
        service.append_events(AppendEvents(tuple(call), "bench"))
    elapsed = time.perf_counter() - start
    ledger.close()
    return elapsed


def bare_table(engine: Engine) -> Table:
    """The events table's columns and indexes, without triggers."""
    metadata = MetaData()
    table = EventRow.__table__.to_metadata(metadata, name="bare_events")
    for index in list(table.indexes):
        index.name = f"bare_{index.name}"
    metadata.create_all(engine)
    return table


def run_baseline(url: str, calls: list[list[StreamAppend]]) -> float:
    ledger = build_ledger(Settings(database_url=url))
    table = bare_table(ledger.engine)
    now = datetime.now(UTC)
    position = 0
    rows_per_call = []
    for call in calls:
        rows = []
        for batch in call:
            for version, event in enumerate(batch.events, start=1):
                position += 1
                rows.append(
                    {
                        "position": position,
                        "id": event.id,
                        "stream_id": batch.stream_id,
                        "version": version,
                        "type": event.type,
                        "schema_version": 1,
                        "occurred_on": event.occurred_on.text if event.occurred_on else None,
                        "occurred_earliest": event.occurred_on.earliest
                        if event.occurred_on
                        else None,
                        "occurred_latest": event.occurred_on.latest if event.occurred_on else None,
                        "recorded_at": now,
                        "recorded_by": "bench",
                        "data": event.data,
                        "sources": [s.to_json() for s in event.sources],
                        "restricted": False,
                        "retracts": None,
                        "hash": "0" * 64,
                        "previous_hash": "0" * 64,
                    }
                )
        rows_per_call.append(rows)
    start = time.perf_counter()
    for rows in rows_per_call:
        with ledger.engine.begin() as connection:
            connection.execute(insert(table), rows)
    elapsed = time.perf_counter() - start
    ledger.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--streams", type=int, default=1_000)
    parser.add_argument("--postgres", help="PostgreSQL server URL; omitted: SQLite only")
    parser.add_argument("--with-projections", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each counts")
    args = parser.parse_args()
    calls = batches(args.events, args.streams)
    total = sum(len(b.events) for call in calls for b in call)
    payload = len(str(calls[0][0].events[0].data)) + len(str(calls[0][0].events[0].sources))
    print(f"{total} events, {args.streams} streams, batches of ≤{BATCH}, payload ≈{payload} B")
    targets = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    with tempfile.TemporaryDirectory() as folder:
        for name, server in targets:
            store_times, bare_times = [], []
            # Alternate the two, each on a fresh database, and keep the best of each: the
            # machine's other load then weighs on both alike.
            for round_ in range(args.repeat):
                url, drop = fresh_url(server, Path(folder), f"store{round_}")
                store_times.append(run_store(url, calls, args.with_projections))
                drop()
                url, drop = fresh_url(server, Path(folder), f"bare{round_}")
                bare_times.append(run_baseline(url, calls))
                drop()
            store_rate, bare_rate = total / min(store_times), total / min(bare_times)
            print(
                f"{name:10s} store {store_rate:9.0f} events/s   bare executemany"
                f" {bare_rate:9.0f} events/s   ratio {store_rate / bare_rate:.2f}"
                f"   (best of {args.repeat})"
            )


if __name__ == "__main__":
    main()
