"""The workers' connection table (ledger.http.connection_share): a worker over its share of the
keep-alive connections asks one client to reconnect, an even split never does, and a slot is a
live worker's only while it lives. The served behaviour (uneven splits evening out under
``ledger serve --workers 2``) is in tests/test_serve_workers.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.http.connection_share import ConnectionShare, ShareTable, over_share


@dataclass
class Worker:
    share_slot: int | None = None


def started(table: ShareTable, connections: int) -> ConnectionShare:
    worker = Worker()
    table.claim(None, worker)
    assert worker.share_slot is not None
    share = table.share(worker.share_slot)
    for _ in range(connections):
        share.opened()
    return share


@pytest.mark.parametrize(
    ("mine", "total", "workers", "over"),
    [
        (4, 8, 2, False),
        (5, 8, 2, True),
        (4, 7, 2, False),  # 4/3: as even as seven goes
        (3, 9, 3, False),
        (4, 9, 3, True),
        (1, 1, 2, False),  # one connection is always somewhere
        (550, 1000, 2, False),  # a tenth of the share is slack
        (551, 1000, 2, True),
    ],
)
def test_a_worker_is_over_its_share_above_the_even_split_rounded_up(
    mine: int, total: int, workers: int, over: bool
) -> None:
    assert over_share(mine, total, workers) is over


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=2000))
def test_an_even_split_has_no_worker_over_its_share(workers: int, total: int) -> None:
    base, extra = divmod(total, workers)
    split = [base + 1] * extra + [base] * (workers - extra)
    assert not [mine for mine in split if over_share(mine, total, workers)]


def test_an_even_split_sheds_nothing() -> None:
    table = ShareTable(2)
    first, second = started(table, 4), started(table, 4)
    assert not [share for share in (first, second) for _ in range(10) if share.should_shed()]


def test_a_worker_over_its_share_sheds_until_its_share_is_even() -> None:
    table = ShareTable(2)
    heavy, light = started(table, 6), started(table, 2)
    assert [heavy.should_shed() for _ in range(4)] == [True, True, False, False]
    assert not light.should_shed()


def test_a_shed_connection_counts_as_leaving_until_it_is_lost() -> None:
    table = ShareTable(2)
    heavy, _ = started(table, 5), started(table, 3)
    assert heavy.should_shed()
    assert not heavy.should_shed()
    heavy.closed(shed=True)  # 4/3 now
    assert not heavy.should_shed()
    heavy.opened()  # the client came back to the same worker: 5/3 again
    assert heavy.should_shed()


def test_a_connection_lost_without_being_shed_leaves_the_leaving_ones_leaving() -> None:
    table = ShareTable(2)
    heavy, _ = started(table, 6), started(table, 2)
    assert [heavy.should_shed() for _ in range(3)] == [True, True, False]
    heavy.closed(shed=False)  # one of its other clients went away: 5 held, 2 of them leaving
    heavy.opened()
    heavy.opened()  # 7 held, 2 leaving, of 9: staying 5 is its share
    assert not heavy.should_shed()


def test_a_lone_worker_never_sheds() -> None:
    table = ShareTable(2)
    alone = started(table, 8)
    assert not alone.should_shed()


def test_an_exited_workers_slot_is_free_and_its_connections_uncounted() -> None:
    table = ShareTable(2)
    survivor = started(table, 4)
    gone = Worker()
    table.claim(None, gone)
    assert gone.share_slot is not None
    for _ in range(12):
        table.share(gone.share_slot).opened()
    table.release(None, gone)
    replacement = Worker()
    table.claim(None, replacement)
    assert replacement.share_slot == gone.share_slot
    newcomer = table.share(replacement.share_slot)
    newcomer.opened()
    # 4 against 1: the survivor is over its share of 5 (3), not under a dead worker's 12
    assert survivor.should_shed()


def test_workers_beyond_twice_the_table_take_no_slot() -> None:
    table = ShareTable(1)
    claimed = [Worker() for _ in range(3)]
    for worker in claimed:
        table.claim(None, worker)
    assert [worker.share_slot for worker in claimed] == [0, 1, None]
