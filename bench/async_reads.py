"""A read through an async driver on the event loop against the same read in a worker thread.

Issue 16 asked to measure async resolvers over an async driver against the bounded thread pool
the ledger serves with. This measures the part that differs: one short indexed statement (the
custody summary the report's query asks, with its bound point) executed

* **thread**: on a worker thread with the synchronous psycopg engine, handed off with
  ``anyio.to_thread.run_sync`` at most 8 at once (what ``ledger.graphql.worker`` does per
  operation), and
* **async**: awaited on the event loop with SQLAlchemy's async engine over psycopg's async
  connection (the same driver, pool size and statement),

one after the other (c=1) and 8 at a time (c=8), alternating, on PostgreSQL (SQLite has no
async driver in the lock: aiosqlite would run a thread per connection anyway). It prints
operations per second and this process's CPU per operation. The GraphQL execution around the
reads (most of a request's CPU, see README "Serving") is the same in both designs and is not
timed here.

    python bench/async_reads.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from ledger.config import Settings
from ledger.container import build_ledger
from ledger.projections.kinds import PERSONS
from ledger.readmodel.projected import AS_OF, KNOWN_AT, VISIBILITY
from pg_schema import own_schema

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def custody_summary() -> Select[Any]:
    table = PERSONS.table
    return (
        select(table.c.custody_status, func.count())
        .where(
            table.c.visibility == VISIBILITY,
            table.c.event_count > 0,
            table.c.valid_from <= AS_OF,
            table.c.valid_to > AS_OF,
            table.c.recorded_from <= KNOWN_AT,
            table.c.recorded_to > KNOWN_AT,
        )
        .group_by(table.c.custody_status)
    )


PARAMS = {"as_of": date(2020, 2, 17), "known_at": datetime.now(UTC), "visibility": "public"}


async def drive(
    operation: Callable[[], Awaitable[None]], total: int, concurrency: int
) -> tuple[float, float]:
    """Operations per second and CPU milliseconds per operation."""
    remaining = total

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await operation()

    started, cpu = time.perf_counter(), time.process_time()
    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(client)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return total / elapsed, used / total * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (own schema used)")
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    with own_schema(args.postgres, "bench_async") as url:
        env = {**os.environ, "LEDGER_DATABASE_URL": url}
        ledger = build_ledger(Settings(database_url=url))
        try:
            for step in (["migrate"], ["load", str(ROOT / "events")]):  # analyzes after loading
                subprocess.run(
                    [str(BIN / "ledger"), *step], env=env, check=True, capture_output=True
                )
            asyncio.run(compare(ledger.engine, url, args.operations, args.reps))
        finally:
            ledger.close()


async def compare(engine: Any, url: str, operations: int, reps: int) -> None:
    statement = custody_summary()
    sync = engine.execution_options(isolation_level="AUTOCOMMIT")
    asynchronous = create_async_engine(
        url, pool_size=10, max_overflow=5, isolation_level="AUTOCOMMIT"
    )
    limiter = anyio.CapacityLimiter(8)

    def read_sync() -> None:
        with sync.connect() as connection:
            connection.execute(statement, PARAMS).all()

    async def in_thread() -> None:
        await anyio.to_thread.run_sync(read_sync, limiter=limiter)

    async def on_loop() -> None:
        async with asynchronous.connect() as connection:
            (await connection.execute(statement, PARAMS)).all()

    best: dict[tuple[str, int], tuple[float, float]] = {}
    for _ in range(reps):
        for concurrency in (1, 8):
            for name, operation in (("thread", in_thread), ("async", on_loop)):
                await drive(operation, 50, concurrency)  # warm the pools
                rate, cpu = await drive(operation, operations, concurrency)
                key = (name, concurrency)
                if key not in best or rate > best[key][0]:
                    best[key] = (rate, cpu)
    await asynchronous.dispose()
    print(f"custody summary statement on PostgreSQL, best of {reps} alternating")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    for concurrency in (1, 8):
        for name in ("thread", "async"):
            rate, cpu = best[(name, concurrency)]
            print(f"  c={concurrency} {name:6}: {rate:7.0f} reads/s, {cpu:.3f} ms CPU each")


if __name__ == "__main__":
    main()
