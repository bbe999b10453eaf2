"""A person's first page of events costs the same whether the stream holds 100 or 10,000 events.

Builds two person streams (100 and 10,000 dated events, appended in batches of 500), then times
``person(id) { name events(first: 20) { totalCount edges { node { position type } } } }``
through the GraphQL schema (no HTTP, no answer cache), the median of many runs each,
alternating, and prints the ratio. Target: within 1.5x.

After filling, PostgreSQL's planner statistics are refreshed (``ANALYZE``), as ``ledger load``,
``rebuild`` and ``import`` do after their bulk changes and autovacuum does as a stream grows
through the API. Without them (``--no-analyze``) PostgreSQL takes the 10,000-event stream for a
one-row one and fetches and sorts all of it (and seeks the state rows by the wrong index): that
state lasts from a bulk append until autovacuum's next analyze, and is what the earlier 3.3x was.

    python bench/person_events.py
    python bench/person_events.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from starlette.requests import Request

from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.graphql.context import LedgerContext
from ledger.graphql.schema import build_schema
from ledger.security.roles import ANONYMOUS
from ledger.service.commands import StreamAppend
from ledger.store.engine import analyze
from ledger.store.migrate import upgrade
from pg_schema import own_schema

SOURCE = (Source(title="bench"),)
#: What the context holds of the HTTP request (used by subscriptions only).
REQUEST = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})
QUERY = """{ person(id: "%s") { name
  events(first: 20) { totalCount edges { node { position type occurredOn { text } } } } } }"""


def fill(ledger: Ledger, stream: str, events: int) -> None:
    day = date(1990, 1, 1)
    pending = [NewEvent("PersonProfiled", {"name": stream}, SOURCE)]
    for index in range(events - 1):
        on = day + timedelta(days=index)
        data = {"kind": "SEARCH", "description": f"search {index}"}
        pending.append(
            NewEvent("IncidentReported", data, SOURCE, PartialDate.parse(on.isoformat()))
        )
    for start in range(0, len(pending), 500):
        batch = StreamAppend(stream, pending[start : start + 500], None)
        ledger.service.append_batches([batch], recorded_by="bench")


@dataclass(frozen=True, order=True)
class Timing:
    """Median wall-clock and CPU seconds of this process (threads included: SQLite's work too,
    not PostgreSQL's) per query; CPU time is steadier on a shared machine."""

    wall: float
    cpu: float


def time_query(ledger: Ledger, stream: str, runs: int) -> Timing:
    schema = build_schema(ledger.settings)

    async def once() -> tuple[float, float]:
        context = LedgerContext(ledger, ANONYMOUS, "bench", REQUEST)
        started, cpu = time.perf_counter(), time.process_time()
        result = await schema.execute(QUERY % stream, context_value=context)
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        assert not result.errors and result.data, result.errors
        assert len(result.data["person"]["events"]["edges"]) == 20
        return elapsed, used

    async def many() -> list[tuple[float, float]]:
        return [await once() for _ in range(runs)]

    timings = asyncio.run(many())
    return Timing(
        statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="time PostgreSQL before it has statistics of the freshly filled table",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        place: AbstractContextManager[str] = (
            own_schema(args.postgres, "bench_events")
            if args.postgres
            else nullcontext(f"sqlite:///{Path(tmp) / 'ledger.db'}")
        )
        with place as url:
            # the resolvers' own cost: no answer cache
            settings = Settings(
                database_url=url, database_statement_timeout=0, graphql_cache_bytes=0
            )
            ledger = build_ledger(settings)
            try:
                upgrade(ledger.engine)
                fill(ledger, "person-small", 100)
                fill(ledger, "person-large", 10_000)
                if args.analyze:
                    analyze(ledger.engine)
                small: list[Timing] = []
                large: list[Timing] = []
                for _ in range(3):  # alternate, keep the best median
                    small.append(time_query(ledger, "person-small", args.runs))
                    large.append(time_query(ledger, "person-large", args.runs))
                print(
                    f"{ledger.database_kind}: events(first: 20) of a person, median of {args.runs}"
                )
                for what in ("wall", "cpu"):
                    one = min(getattr(t, what) for t in small)
                    many = min(getattr(t, what) for t in large)
                    print(
                        f"  {what}: 100 events {one * 1000:.2f} ms,"
                        f" 10,000 events {many * 1000:.2f} ms:"
                        f" {many / one:.2f}x (target: within 1.5x)"
                    )
            finally:
                ledger.close()


if __name__ == "__main__":
    main()
