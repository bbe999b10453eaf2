"""Append throughput side by side: the ledger, the ``eventsourcing`` library, the raw drivers.

The same events (``bench/workload.py``: ≈330 B each, over S streams, 25 streams and 500 events
per call) are written, on a fresh database each time, by

* the ledger store alone (``LedgerService`` without projections: validation, idempotency,
  writer lock, hash chain, one insert);
* the ledger with projections, as the app wires it (``build_ledger``);

  each in a process of its own, as the peer runs, timed over its ``append_events`` calls only
  (the typed commands are built before, as the peer builds its aggregates before ``save()``);
* the ``eventsourcing`` library (pinned below; ``Application.save()`` time only), run in its own
  virtual environment (``--peer-venv``, created on first use) so the ledger never depends on it;
* the raw driver: the very rows the ledger stored, by ``sqlite3`` ``executemany`` or psycopg
  ``COPY``, one transaction per call.

Contenders alternate round by round; the table gives each one's median events/s (min-max) and
the ratios of the issue. Then: statements per append call for 1, 5 and 25 streams; ``ledger
load`` of a generated 200 x 50 data set beside the peer as a whole process; and an append dated
inside a 100-event history against one dated after it. ``--only load`` (repeatable: table,
statements, load, mid) runs just those parts.

    .venv/bin/python bench/append.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))

from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.domain.new_event import parse_new_event
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.service.handlers import LedgerService
from ledger.store.migrate import upgrade
from pg_schema import own_schema
from workload import SOURCES, Call, calls

PEER = "eventsourcing[postgres]==9.5.6"
STREAMS_PER_CALL = 25
PER_CALL = 20
HERE = Path(__file__).parent

#: The ratios issue 14 measured when it was filed (100,000 events over 1,000 streams, the peer
#: at SQLite's default synchronous=FULL): printed beside this run's so the table shows both.
AT_FILING: dict[tuple[str, str], str] = {
    ("ledger store alone / eventsourcing", "SQLite"): "0.41",
    ("ledger store alone / eventsourcing", "PostgreSQL"): "1.06",
    ("ledger with projections / eventsourcing", "SQLite"): "0.17",
    ("ledger with projections / eventsourcing", "PostgreSQL"): "0.106",
    ("ledger store / raw driver", "SQLite"): "0.05",
    ("ledger store / raw driver", "PostgreSQL"): "0.09",
}


# --- databases -----------------------------------------------------------------------------


class Target:
    """Fresh databases of one kind: a file per run on SQLite, a schema per run on PostgreSQL."""

    def __init__(self, folder: Path, server: str | None) -> None:
        self.folder, self.server = folder, server
        self.name = "PostgreSQL" if server else "SQLite"
        self._count = 0

    @contextmanager
    def fresh(self) -> Iterator[str]:
        self._count += 1
        if self.server is None:
            yield f"sqlite:///{self.folder / f'run{self._count}.db'}"
            return
        with own_schema(self.server, "bench") as url:
            yield url


def schema_of(url: str) -> str:
    return url.rsplit("%3D", 1)[1]


def migrated(url: str) -> Ledger:
    ledger = build_ledger(Settings(database_url=url))
    upgrade(ledger.engine)
    return ledger


# --- the contenders ------------------------------------------------------------------------


def commands(work: list[Call]) -> list[AppendEvents]:
    return [
        AppendEvents(
            tuple(
                StreamAppend(stream, tuple(parse_new_event(e) for e in events))
                for stream, events in call
            ),
            "bench",
        )
        for call in work
    ]


def run_ledger(url: str, args: argparse.Namespace, projections: bool) -> float:
    """Seconds to append every call, in a process of its own as the peer runs: each side builds
    its workload in a fresh interpreter and is timed over its writes only, so neither carries
    the other's objects (or the raw driver's rows) through its garbage collections."""
    command = [sys.executable, __file__, "--events", str(args.events)]
    command += ["--streams", str(args.streams), "--contender-url", url]
    command += ["--with-projections"] if projections else []
    found = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(json.loads(found.stdout)["seconds"])


def contender(url: str, events: int, streams: int, projections: bool) -> None:
    """The child side of ``run_ledger``: prints ``{"seconds": …}`` as the peer does."""
    typed = commands(calls(events, streams, STREAMS_PER_CALL, PER_CALL))
    ledger = migrated(url)
    service = ledger.service if projections else LedgerService(ledger.store)
    started = time.perf_counter()
    for command in typed:
        service.append_events(command)
    elapsed = time.perf_counter() - started
    ledger.close()
    print(json.dumps({"seconds": elapsed}))


def stored_rows(url: str) -> list[Any]:
    """The events the ledger stored, for the raw driver to write again."""
    ledger = build_ledger(Settings(database_url=url))
    with ledger.engine.connect() as connection:
        rows = list(connection.exec_driver_sql("SELECT * FROM events ORDER BY position"))
    ledger.close()
    return rows


def run_raw(url: str, rows: list[Any], per_call: int) -> float:
    """The stored rows again, into a fresh migrated events table, by the bare driver."""
    migrated(url).close()
    columns = list(rows[0]._fields)
    chunks = [
        [tuple(_raw(value) for value in row) for row in rows[i : i + per_call]]
        for i in range(0, len(rows), per_call)
    ]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database or "")
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO events ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        started = time.perf_counter()
        for chunk in chunks:
            with connection:
                connection.executemany(statement, chunk)
        elapsed = time.perf_counter() - started
        connection.close()
        return elapsed
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        copy = f"COPY events ({', '.join(columns)}) FROM STDIN"
        started = time.perf_counter()
        for chunk in chunks:
            with connection.transaction(), connection.cursor() as cursor, cursor.copy(copy) as out:
                for row in chunk:
                    out.write_row(row)
        return time.perf_counter() - started


def _raw(value: Any) -> Any:
    """A column value as the driver takes it: JSON columns read back parsed go back as text."""
    return json.dumps(value) if isinstance(value, dict | list) else value


SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@cache
def sqlite_durability(folder: Path) -> tuple[str, str]:
    """The journal mode and ``synchronous`` level the ledger's engine runs SQLite with (asked of
    a scratch database in ``folder``): the peer is run at the same level (the library leaves
    SQLite's default, FULL)."""
    ledger = build_ledger(Settings(database_url=f"sqlite:///{folder / 'durability.db'}"))
    with ledger.engine.connect() as connection:
        journal = str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
        level = SYNCHRONOUS[int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)]
    ledger.close()
    return journal.upper(), level


def peer_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} with {PEER} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER], check=True)
    return python


def run_peer(python: Path, url: str, args: argparse.Namespace, *extra: str) -> float:
    command = [str(python), str(HERE / "peer_eventsourcing.py")]
    command += ["--events", str(args.events), "--streams", str(args.streams), *extra]
    if url.startswith("sqlite"):
        command += ["--sqlite", make_url(url).database or ""]
        command += ["--synchronous", sqlite_durability(Path(url.split("///")[1]).parent)[1]]
    else:
        parsed = make_url(url)
        command += ["--postgres", parsed.host or "127.0.0.1", str(parsed.port or 5432)]
        command += [parsed.username or "postgres", parsed.database or "", schema_of(url)]
    found = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(json.loads(found.stdout)["seconds"])


# --- the side-by-side table ----------------------------------------------------------------

CONTENDERS = ("store", "projections", "eventsourcing", "raw")
LABELS = {
    "store": "ledger store alone",
    "projections": "ledger with projections (as the app wires it)",
    "eventsourcing": "eventsourcing 9.5.6, save() only",
    "raw": "raw driver (sqlite3 executemany / psycopg COPY)",
}


def side_by_side(target: Target, args: argparse.Namespace, peer: Path) -> dict[str, list[float]]:
    work = calls(args.events, args.streams, STREAMS_PER_CALL, PER_CALL)
    total = sum(len(events) for call in work for _, events in call)
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    rows: list[Any] = []
    for round_ in range(args.rounds):
        order = CONTENDERS[round_ % 2 :] + CONTENDERS[: round_ % 2]
        if not rows:  # the raw driver needs the ledger's rows first
            order = tuple(sorted(order, key=lambda name: name == "raw"))
        for name in order:
            with target.fresh() as url:
                if name == "store":
                    seconds = run_ledger(url, args, projections=False)
                    rows = rows or stored_rows(url)
                elif name == "projections":
                    seconds = run_ledger(url, args, projections=True)
                elif name == "eventsourcing":
                    seconds = run_peer(peer, url, args)
                else:
                    seconds = run_raw(url, rows, STREAMS_PER_CALL * PER_CALL)
            rates[name].append(total / seconds)
            print(f"  {target.name} round {round_ + 1}: {name:13s} {total / seconds:9,.0f} ev/s")
    print(f"\n{target.name}: {total:,} events, {args.streams:,} streams, median of {args.rounds}")
    if target.server is None:
        journal, level = sqlite_durability(target.folder)
        print(f"  durability, both sides: journal_mode={journal}, synchronous={level}")
    else:
        print("  durability, both sides: the server's settings (one server, one database)")
    for name in CONTENDERS:
        found = rates[name]
        print(
            f"  {LABELS[name]:50s} {statistics.median(found):9,.0f} events/s"
            f"  ({min(found):,.0f}-{max(found):,.0f})"
        )
    return rates


def ratio(rates: dict[str, list[float]], top: str, bottom: str) -> str:
    return f"{statistics.median(rates[top]) / statistics.median(rates[bottom]):.2f}"


# --- statements, load, mid-history ---------------------------------------------------------


@contextmanager
def counting(ledger: Ledger) -> Iterator[list[str]]:
    """Every statement sent, COPY included (psycopg's ``copy`` bypasses SQLAlchemy)."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    original = psycopg.Cursor.copy

    def copy(self: Any, statement: Any, *more: Any, **named: Any) -> Any:
        seen.append(str(statement))
        return original(self, statement, *more, **named)

    event.listen(ledger.engine, "before_cursor_execute", record)
    psycopg.Cursor.copy = copy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        psycopg.Cursor.copy = original  # type: ignore[method-assign]
        event.remove(ledger.engine, "before_cursor_execute", record)


def statements_per_call(target: Target) -> dict[int, int]:
    """25 events appended to 1, 5 or 25 streams holding four events each, with projections."""
    found = {}
    with target.fresh() as url:
        ledger = migrated(url)
        for command in commands(calls(100, 25, 25, 4)):
            ledger.service.append_events(command)
        version = 4
        for streams in (1, 5, 25):
            each = 25 // streams
            command = AppendEvents(
                tuple(
                    StreamAppend(
                        f"person-b{s:05d}",
                        tuple(
                            parse_new_event({**_workload_event(s, version + v), "id": None})
                            for v in range(each)
                        ),
                    )
                    for s in range(streams)
                ),
                "bench",
            )
            with counting(ledger) as seen:
                ledger.service.append_events(command)
            found[streams] = len(seen)
        ledger.close()
    return found


def _workload_event(stream: int, version: int) -> dict[str, Any]:
    from workload import event as workload_event

    return workload_event(stream, version)


def write_dataset(folder: Path, persons: int, per_person: int) -> None:
    (folder / "persons").mkdir(parents=True)
    (folder / "sources.yaml").write_text(
        "sources:\n  - id: bench\n    title: Bench report\n    published: '2020-01'\n"
    )
    for stream, events in calls(persons * per_person, persons, persons, per_person)[0]:
        lines = [f"stream: {stream}", "events:"]
        for item in events:
            lines += [
                f"  - id: {item['id']}",
                f"    type: {item['type']}",
                f"    occurredOn: '{item['occurredOn']}'",
                f"    data: {json.dumps(item['data'])}",
                "    sources: [bench]",
            ]
        (folder / "persons" / f"{stream}.yaml").write_text("\n".join(lines) + "\n")


def load_whole_process(target: Target, peer: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of `ledger load` (a fresh process on a freshly migrated database) and of the
    peer's whole process saving the same events, alternating, ``rounds`` of each."""
    ledger_bin = Path(sys.executable).parent / "ledger"
    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        write_dataset(Path(folder) / "events", 200, 50)
        for round_ in range(rounds):
            for name in ("ledger", "peer") if round_ % 2 == 0 else ("peer", "ledger"):
                with target.fresh() as url:
                    if name == "peer":
                        peer_args = argparse.Namespace(events=10_000, streams=200)
                        extra = ("--whole", "--streams-per-call", "50")
                        theirs.append(run_peer(peer, url, peer_args, *extra))
                        continue
                    env = {**os.environ, "LEDGER_DATABASE_URL": url}
                    migrate = [str(ledger_bin), "migrate"]
                    subprocess.run(migrate, env=env, check=True, capture_output=True)
                    load = [str(ledger_bin), "load", str(Path(folder) / "events")]
                    started = time.perf_counter()
                    subprocess.run(load, env=env, check=True, capture_output=True)
                    ours.append(time.perf_counter() - started)
    return ours, theirs


def _seconds(found: list[float]) -> str:
    median = statistics.median(found)
    return (
        f"{median:.2f} s ({10_000 / median:,.0f} events/s;"
        f" {10_000 / max(found):,.0f}-{10_000 / min(found):,.0f})"
    )


def mid_versus_after(target: Target, repeat: int = 40) -> dict[str, dict[str, float]]:
    """Median ms of one append with projections dated inside a 100-event history, and after:
    wall time, and the CPU time of this process (on SQLite all of the work; on PostgreSQL the
    client's share). On a loaded machine the longer append is the likelier to lose the CPU
    midway, which the wall ratio counts and the CPU ratio does not."""
    timings: dict[str, dict[str, list[float]]] = {
        clock: {"mid": [], "after": []} for clock in ("wall", "cpu")
    }
    with target.fresh() as url:
        ledger = migrated(url)
        for command in commands(calls(100 * 2 * repeat, 2 * repeat, 10, 100)):
            ledger.service.append_events(command)
        for index in range(repeat):
            for where, stream, on in (
                ("mid", 2 * index, "2004-02"),
                ("after", 2 * index + 1, "2030-01"),
            ):
                new = parse_new_event(
                    {
                        "type": "IncidentReported",
                        "occurredOn": on,
                        "data": {"kind": "SEARCH", "description": "bench"},
                        "sources": SOURCES,
                    }
                )
                started, cpu = time.perf_counter(), time.process_time()
                ledger.service.append(f"person-b{stream:05d}", [new], recorded_by="bench")
                timings["wall"][where].append((time.perf_counter() - started) * 1000)
                timings["cpu"][where].append((time.process_time() - cpu) * 1000)
        ledger.close()
    return {
        clock: {where: statistics.median(found) for where, found in by_where.items()}
        for clock, by_where in timings.items()
    }


PARTS = ("table", "statements", "load", "mid")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--streams", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL server URL; omitted: SQLite only")
    parser.add_argument("--peer-venv", type=Path, default=HERE / ".peer-venv")
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    parser.add_argument("--contender-url", help=argparse.SUPPRESS)
    parser.add_argument("--with-projections", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender_url:
        contender(args.contender_url, args.events, args.streams, args.with_projections)
        return
    parts = set(args.only or PARTS)
    peer = peer_python(args.peer_venv)
    summary: list[tuple[str, dict[str, list[float]]]] = []
    with tempfile.TemporaryDirectory() as folder:
        targets = [Target(Path(folder), None)]
        if args.postgres:
            targets.append(Target(Path(folder), args.postgres))
        if "table" in parts:
            for target in targets:
                summary.append((target.name, side_by_side(target, args, peer)))
            names = [name for name, _ in summary]
            print(
                "\n| ratio, median | "
                + " | ".join(f"{name} at filing | {name} now" for name in names)
                + " |"
            )
            print("|---|" + "---:|---:|" * len(summary))
            for top, bottom, label in (
                ("store", "eventsourcing", "ledger store alone / eventsourcing"),
                ("projections", "eventsourcing", "ledger with projections / eventsourcing"),
                ("store", "raw", "ledger store / raw driver"),
                ("projections", "raw", "ledger with projections / raw driver"),
            ):
                cells = " | ".join(
                    f"{AT_FILING.get((label, name), '-')} | {ratio(rates, top, bottom)}"
                    for name, rates in summary
                )
                print(f"| {label} | {cells} |")
        for target in targets:
            print(f"\n{target.name}")
            if "statements" in parts:
                counts = statements_per_call(target)
                print(
                    "  statements per append call (25 events, with projections): "
                    + ", ".join(f"{n} streams: {c}" for n, c in counts.items())
                )
            if "load" in parts:
                load = os.getloadavg()[0]
                ours, theirs = load_whole_process(target, peer, args.rounds)
                print(
                    f"  whole process, 200 x 50 = 10,000 events, median of {args.rounds}"
                    f" (load average {load:.1f} at the start):\n"
                    f"    ledger load {_seconds(ours)}\n"
                    f"    eventsourcing {_seconds(theirs)}\n"
                    f"    ledger / eventsourcing:"
                    f" {statistics.median(theirs) / statistics.median(ours):.2f}"
                )
            if "mid" in parts:
                medians = mid_versus_after(target)
                print("  one append with projections into a 100-event stream, median of 40:")
                for clock, found in medians.items():
                    mid, after = found["mid"], found["after"]
                    print(
                        f"    {clock}: dated inside the history {mid:.1f} ms, after it"
                        f" {after:.1f} ms (x{mid / after:.2f})"
                    )


if __name__ == "__main__":
    main()
