"""Benchmark of the bitemporal projections: rebuild throughput and memory, lookup latency at
random (asOf, knownAt) points on a short and a very long stream, and naive replay for scale.

    .venv/bin/python bench/temporal.py --persons 1000 --events-per-person 100 --long-stream 10000

The store is built fast by importing pre-hashed events (``LedgerService.import_events``, no
projection listener), then ``ledger rebuild`` runs in a child process so its peak RSS is its own.
Histories are realistic rather than adversarial: each stream is recorded in batches of ten
events, mostly in date order, one event in twenty back-dated by up to 60 days. ``--uncertain``
(default 0.1) dates that share of events as the sources of the data set do when they give no
day: an interval of up to 90 days, or "on or before" (``../B``). Lookups answer both bounds
(custodyStatus and possibleCustodyStatuses) from the same row.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import text

from ledger.config import Settings
from ledger.container import build_ledger
from ledger.domain.counting import counting_events
from ledger.domain.hash_chain import GENESIS, event_hash
from ledger.domain.partial_date import PartialDate
from ledger.domain.person_fold import fold_person
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.time_point import TimePoint
from ledger.service.commands import ImportEvents
from ledger.service.handlers import LedgerService
from ledger.store.engine import make_engine
from ledger.store.event_store import EventStore
from ledger.store.migrate import upgrade

SOURCES = ({"title": "bench"},)
FIRST_DAY = date(2000, 1, 1)
LAST = date(9999, 1, 1)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
BATCH = 10


def _event_data(rng: random.Random) -> tuple[str, dict[str, object]]:
    roll = rng.random()
    if roll < 0.3:
        return "CustodyObserved", {"status": rng.choice(["FREE", "DETAINED", "IMPRISONED"])}
    if roll < 0.55:
        return "IncidentReported", {"kind": "SEARCH", "description": "home searched"}
    if roll < 0.75:
        return "HearingScheduled", {"purpose": "appeal hearing"}
    if roll < 0.88:
        return "PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}
    return "PersonReleased", {"grounds": rng.choice(["END_OF_TERM", "PAROLE"])}


def _stream(
    stream_id: str, count: int, rng: random.Random, uncertain: float
) -> Iterator[tuple[str, object, dict]]:
    """(type, occurredOn, data) in record order: a profile, then mostly dated in order."""
    yield "PersonProfiled", None, {"name": f"Person {stream_id[7:]}", "aliases": []}
    day = FIRST_DAY
    for _ in range(count - 1):
        day += timedelta(days=rng.randint(1, 3))
        when = day - timedelta(days=rng.randint(1, 60)) if rng.random() < 0.05 else day
        precision = rng.random()
        if rng.random() < uncertain:
            end = when + timedelta(days=rng.randint(1, 90))
            on = PartialDate.parse(f"{when}/{end}" if rng.random() < 0.8 else f"../{end}")
        elif precision < 0.8:
            on = PartialDate.from_date(when)
        elif precision < 0.95:
            on = PartialDate.of(when.year, when.month)
        else:
            on = PartialDate.of(when.year)
        type_name, data = _event_data(rng)
        yield type_name, on, data


def build(
    url: str, persons: int, per_person: int, long_stream: int, seed: int, uncertain: float
) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    store = EventStore(engine)
    service = LedgerService(store)
    rng = random.Random(seed)
    streams = [f"person-p{index:06d}" for index in range(persons - 1)] + ["person-long"]
    position, previous, instant = 0, GENESIS, EPOCH
    chunk: list[RecordedEvent] = []
    started = time.perf_counter()
    for stream_id in streams:
        count = long_stream if stream_id == "person-long" else per_person
        history = _stream(stream_id, count, rng, uncertain)
        for version, (type_name, on, data) in enumerate(history, start=1):
            if version % BATCH == 1:
                instant += timedelta(seconds=1)
            position += 1
            draft = RecordedEvent(
                id=UUID(int=rng.getrandbits(128), version=4),
                position=position,
                stream_id=stream_id,
                version=version,
                type=type_name,
                schema_version=2 if type_name == "PersonProfiled" else 1,
                occurred_on=on,  # type: ignore[arg-type]
                recorded_at=instant,
                recorded_by="bench",
                data=data,
                sources=SOURCES,
                hash="",
                previous_hash=previous,
            )
            digest = event_hash(draft, previous)
            chunk.append(draft._replace(hash=digest))
            previous = digest
            if len(chunk) >= 20000:
                service.import_events(ImportEvents(tuple(chunk)))
                chunk = []
    service.import_events(ImportEvents(tuple(chunk)))
    elapsed = time.perf_counter() - started
    print(f"built {position:,} events in {elapsed:.1f}s ({position / elapsed:,.0f} events/s)")
    engine.dispose()
    return streams


def reused(url: str, persons: int, total: int) -> list[str]:
    """The streams ``build`` made, once the database is found to hold as many events."""
    engine = make_engine(url)
    held = EventStore(engine).head().position
    engine.dispose()
    if held != total:
        raise SystemExit(f"--reuse: the database holds {held:,} events, these arguments {total:,}")
    print(f"reusing {held:,} events")
    return [f"person-p{index:06d}" for index in range(persons - 1)] + ["person-long"]


def rebuild_in_child(url: str) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak RSS (MB) of ``ledger rebuild`` in its own process (CPU
    time says more than the wall clock on a machine other work shares)."""
    env = {**os.environ, "LEDGER_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "ledger"), "rebuild"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--events-per-person", type=int, default=100)
    parser.add_argument("--long-stream", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--replays", type=int, default=10)
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--uncertain", type=float, default=0.1, help="share of events dated by an interval"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="--url already holds the events of these arguments (an earlier run): skip building",
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="with --reuse: keep the projections an earlier run rebuilt, time the lookups only",
    )
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='ledger-bench-')}/ledger.db"
    print(f"database: {url}")
    total = (args.persons - 1) * args.events_per_person + args.long_stream
    if args.reuse:
        streams = reused(url, args.persons, total)
    else:
        streams = build(
            url, args.persons, args.events_per_person, args.long_stream, args.seed, args.uncertain
        )

    if args.no_rebuild:
        peak_mb = 0.0
    else:
        seconds, cpu, peak_mb = rebuild_in_child(url)
        print(
            f"rebuild: {seconds:.1f}s, {total / seconds:,.0f} events/s (CPU {cpu:.1f}s,"
            f" {total / cpu:,.0f} events per CPU second; load average {os.getloadavg()[0]:.1f}),"
            f" peak RSS {peak_mb:.0f} MB"
        )

    ledger = build_ledger(Settings(database_url=url))
    model, store = ledger.read_model, ledger.store
    rng = random.Random(args.seed + 1)

    recorded = {}

    def point(stream_id: str) -> TimePoint:
        """Uniform over the stream's own record time and its dates (plus a year after)."""
        if stream_id not in recorded:
            events = store.read_stream(stream_id)
            last_day = max(e.latest for e in events if e.latest is not None and e.latest < LAST)
            recorded[stream_id] = (events[0].recorded_at, events[-1].recorded_at, last_day)
        first, last, last_day = recorded[stream_id]
        known = first + (last - first) * rng.random()
        as_of = FIRST_DAY + (last_day + timedelta(days=365) - FIRST_DAY) * rng.random()
        return TimePoint(as_of, known)

    uncertain_answers = []

    def timed(stream_id: str, events: bool) -> float:
        at = point(stream_id)
        started = time.perf_counter()
        state = model.person(stream_id, at, events=events)
        elapsed = time.perf_counter() - started
        uncertain_answers.append(state is not None and state.possible_custody_status is not None)
        return elapsed

    short = [timed(rng.choice(streams[:-1]), False) for _ in range(args.lookups)]
    long = [timed("person-long", False) for _ in range(args.lookups)]
    long_events = [timed("person-long", True) for _ in range(max(10, args.lookups // 10))]
    replay = []
    for _ in range(args.replays):
        at = point("person-long")
        started = time.perf_counter()
        stream = store.read_stream("person-long")
        assert at.as_of is not None and at.known_at is not None
        fold_person("person-long", counting_events(stream, at.as_of, at.known_at))
        replay.append(time.perf_counter() - started)
    short_ms, long_ms, replay_ms = _median_ms(short), _median_ms(long), _median_ms(replay)
    share = sum(uncertain_answers) / len(uncertain_answers)
    print(f"events dated by an interval: {args.uncertain:.0%}; answered UNCERTAIN: {share:.0%}")
    with ledger.engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM person_states")).scalar_one()
    print(f"projection rows: {rows:,} ({rows / total:.2f} per event)")
    print(f"lookup (both bounds), {args.events_per_person}-event stream: median {short_ms:.3f} ms")
    print(
        f"lookup (both bounds), {args.long_stream}-event stream: median {long_ms:.3f} ms"
        f" (ratio to short {long_ms / short_ms:.2f}, target <= 1.5)"
    )
    print(f"lookup with event ids, long stream: median {_median_ms(long_events):.3f} ms")
    print(
        f"naive replay, long stream: median {replay_ms:.1f} ms"
        f" (indexed is {replay_ms / long_ms:.0f}x faster, target >= 20)"
    )
    if not args.no_rebuild:
        print(f"rebuild peak RSS {peak_mb:.0f} MB (target <= 300)")
    ledger.close()


if __name__ == "__main__":
    main()
