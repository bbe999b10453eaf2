"""The peer of ``bench/append.py``: the ``eventsourcing`` library saving the same events.

Runs in the bench's own virtual environment (``bench/append.py --peer-venv`` creates it with
``eventsourcing`` pinned); the ledger is not installed there. Prints one line of JSON:
``{"seconds": …}``: the time spent in ``Application.save()`` only (``--whole``: the whole
process from its start, as ``ledger load`` is measured).

    python peer_eventsourcing.py --events 100000 --streams 1000 --sqlite /tmp/es.db
    python peer_eventsourcing.py ... --postgres 'host=127.0.0.1 user=postgres dbname=test' \
        --schema es_run1
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

from workload import calls  # noqa: E402


def durable(level: str) -> None:
    """Every SQLite connection the library opens runs at ``level`` (the library itself leaves
    SQLite's default, FULL): the bench compares both sides at the ledger's durability."""
    connect = sqlite3.connect

    def connect_at_level(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connection.execute(f"PRAGMA synchronous={level}")
        return connection

    sqlite3.connect = connect_at_level  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--streams-per-call", type=int, default=25)
    parser.add_argument("--per-call", type=int, default=20)
    parser.add_argument("--sqlite")
    parser.add_argument("--postgres", nargs=5, metavar=("HOST", "PORT", "USER", "DB", "SCHEMA"))
    parser.add_argument("--whole", action="store_true")
    parser.add_argument(
        "--synchronous", help="SQLite: the PRAGMA synchronous level (default: the library's)"
    )
    args = parser.parse_args()
    if args.sqlite:
        os.environ.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=args.sqlite)
        if args.synchronous:
            durable(args.synchronous)
    else:
        host, port, user, db, schema = args.postgres
        os.environ.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_HOST=host,
            POSTGRES_PORT=port,
            POSTGRES_USER=user,
            POSTGRES_PASSWORD="",
            POSTGRES_DBNAME=db,
            POSTGRES_SCHEMA=schema,
        )
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Person(Aggregate):
        @event("Reported")
        def report(self, incident: dict[str, Any]) -> None:
            pass

    app = Application()
    persons: dict[str, Any] = {}
    saving = 0.0
    for call in calls(args.events, args.streams, args.streams_per_call, args.per_call):
        batch = []
        for stream_id, events in call:
            person = persons.get(stream_id)
            if person is None:
                person = persons[stream_id] = Person()
            for incident in events:
                person.report(incident)
            batch.append(person)
        started = time.perf_counter()
        app.save(*batch)
        saving += time.perf_counter() - started
    seconds = time.perf_counter() - STARTED if args.whole else saving
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
