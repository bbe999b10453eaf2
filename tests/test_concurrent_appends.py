"""Concurrent writers in separate processes, and a feed reader polling meanwhile.

Afterwards the positions are exactly 1..N, no stream holds a version twice, and the reader saw
every event exactly once and in order: the feed's guarantee that a consumer polling with the
last position it saw never misses or repeats an event (contract: positions in commit order).

The writers start together (a barrier, once each has connected, so process start-up does not
serialise them), and the test checks that the reader read while they wrote and, on PostgreSQL,
that the writers' appends overlapped: that contention, not the number of appends, is what puts
the guarantee to the test, so a few dozen appends per writer suffice.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from multiprocessing.synchronize import Barrier as BarrierType

import pytest

from conftest import make_ledger
from ledger.config import Settings
from ledger.container import build_ledger
from ledger.domain.new_event import parse_new_event

WORKERS = 4
SHARED_STREAMS = 3
OWN_STREAMS = 25


def write(url: str, worker: int, appends: int, start: BarrierType) -> None:
    """One writer process: its own Ledger; own streams with expected versions, shared without."""
    ledger = build_ledger(Settings(database_url=url))
    versions: dict[str, int] = {}
    try:
        ledger.store.head()  # connected before the start, like the others
        start.wait(timeout=120)
        for index in range(appends):
            event = parse_new_event(
                {
                    "type": "PersonDetained",
                    "occurredOn": "2019-12-27",
                    "data": {"kind": "PRE_TRIAL_DETENTION", "reason": f"{worker}:{index}"},
                    "sources": [{"title": "Report"}],
                }
            )
            if index % 4 == 0:
                stream = f"person-shared-{index % SHARED_STREAMS}"
                ledger.store.append(stream, [event], expected_version=None, recorded_by="w")
            else:
                stream = f"person-w{worker}-{index % OWN_STREAMS}"
                result = ledger.store.append(
                    stream, [event], expected_version=versions.get(stream, 0), recorded_by="w"
                )
                versions[stream] = result.stream_version
    finally:
        ledger.close()


def run(url: str, appends: int, *, fair_lock: bool) -> None:
    make_ledger(url).close()
    reader = build_ledger(Settings(database_url=url))
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    writers = [context.Process(target=write, args=(url, w, appends, start)) for w in range(WORKERS)]
    seen: list[int] = []
    pages_while_writing: list[int] = []
    finished = threading.Event()

    def poll() -> None:
        after = 0
        while True:
            done = finished.is_set()
            page = reader.store.read_feed(after, 100)
            seen.extend(event.position for event in page)
            if page:
                after = page[-1].position
                if not done:
                    pages_while_writing.append(len(page))
            elif done:
                return
            else:
                time.sleep(0.005)

    polling = threading.Thread(target=poll)
    polling.start()
    try:
        for process in writers:
            process.start()
        for process in writers:
            process.join(timeout=120)
    finally:
        finished.set()
        polling.join(timeout=60)
    try:
        assert [process.exitcode for process in writers] == [0] * WORKERS
        total = WORKERS * appends
        events = list(reader.store.iter_all())
        assert [event.position for event in events] == list(range(1, total + 1))
        versions = Counter((event.stream_id, event.version) for event in events)
        assert max(versions.values()) == 1
        for stream in {event.stream_id for event in events}:
            stream_versions = sorted(v for s, v in versions if s == stream)
            assert stream_versions == list(range(1, len(stream_versions) + 1))
        assert seen == list(range(1, total + 1))
        assert len(pages_while_writing) >= 2, "the reader did not read while the writers wrote"
        if fair_lock:
            writer_of = [int(event.data["reason"].split(":")[0]) for event in events]
            firsts = [writer_of.index(w) for w in range(WORKERS)]
            lasts = [len(writer_of) - 1 - writer_of[::-1].index(w) for w in range(WORKERS)]
            assert max(firsts) < min(lasts), "the writers did not overlap"
    finally:
        reader.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_appends_on_postgres(fresh_database_url: object) -> None:
    """PostgreSQL queues waiters on the writer lock, so every writer's appends overlap."""
    run(fresh_database_url("postgres"), appends=60, fair_lock=True)  # type: ignore[operator]


def test_concurrent_appends_on_sqlite(fresh_database_url: object) -> None:
    """SQLite's busy handler is not fair: a writer may run alone until done while the others
    back off, so their overlap is not asserted; the positions and the reader's view are."""
    run(fresh_database_url("sqlite"), appends=30, fair_lock=False)  # type: ignore[operator]
