"""Evening out the workers' keep-alive connections: a worker holding more than its share asks
the client of one of them to reconnect.

With several workers, the kernel hands each new connection to one of them by a hash of its
addresses and ports (``SO_REUSEPORT``, :mod:`ledger.http.serving`), blind to load, and a
keep-alive connection then stays with that worker for its whole life. A client or a proxy holding
a few connections lands unevenly often: of wrk's 8 connections over 2 workers, 4/4 in 27% of
runs, 5/3 in 44%, 6/2 in 22% and 7/1 in 6% (measured). At 6/2 one worker queues six
connections' requests while the other idles half the time: throughput of less than two workers
and a tail of latency set by the split, not by the server.

So the workers count their open HTTP connections in a small table in memory shared since the
fork: the arbiter makes it and gives each worker a slot before forking it (and clears the slot
when the worker exits). At the start of each request, a worker holding more than its fair share
of the connections (the total over the live workers divided by their number, rounded up, plus a
tenth of that for slack) answers that request with ``Connection: close``. The client opens a new
connection, which the kernel hands to a worker at random again: each such step brings the split
nearer even (with two workers, one step in two), and only a worker over its share ever sheds, so
an even split never closes a connection. HTTP/1.1 clients expect ``Connection: close`` on any
answer (RFC 9112, section 9.6): browsers, proxies and wrk open a new connection and carry on,
and the request answered is answered in full. Envoy's listeners balance the same way when they
accept a connection (``exact_balance``); here the kernel accepts, so it is done at the next
request.

A connection upgraded to a websocket leaves the count: it cannot be asked to reconnect, and a
subscription's cost is not a request's. One process (``ledger serve --workers 1``) has no table.
"""

from __future__ import annotations

from multiprocessing.sharedctypes import RawArray
from typing import Any, Protocol


class _Slot(Protocol):
    """What the arbiter's hooks read and write on a gunicorn worker."""

    share_slot: int | None


def over_share(mine: int, total: int, workers: int) -> bool:
    """Whether a worker holding ``mine`` of the ``total`` connections of ``workers`` live
    workers holds more than its share (the slack, a tenth of the share, keeps a server with many
    connections from churning over a difference of one or two)."""
    fair = -(-total // workers)
    return mine > fair + fair // 10


class ShareTable:
    """The arbiter's table: a live flag and a connection count per slot, in memory the workers
    share after the fork. Each worker writes only its own slot's count; the arbiter writes the
    live flags (before a fork and after a worker's exit), and clears the count of a worker that
    died holding connections.

    Twice as many slots as workers: a reload (``SIGHUP``) runs the new workers beside the old
    ones until those have stopped. A worker started when no slot is free (more workers asked
    for with ``SIGTTIN``) serves without taking part.
    """

    def __init__(self, workers: int) -> None:
        self.live: Any = RawArray("b", 2 * workers)
        self.counts: Any = RawArray("q", 2 * workers)

    def claim(self, arbiter: object, worker: _Slot) -> None:
        """gunicorn's ``pre_fork`` hook: the worker takes the first free slot, if any."""
        worker.share_slot = None
        for slot in range(len(self.live)):
            if not self.live[slot]:
                self.counts[slot] = 0
                self.live[slot] = 1
                worker.share_slot = slot
                return

    def release(self, arbiter: object, worker: _Slot) -> None:
        """gunicorn's ``child_exit`` hook: the exited worker's connections died with it."""
        slot = worker.share_slot
        if slot is not None:
            self.live[slot] = 0
            self.counts[slot] = 0

    def share(self, slot: int) -> ConnectionShare:
        return ConnectionShare(self.live, self.counts, slot)


class ConnectionShare:
    """One worker's view of the table, used by its HTTP protocol on the event loop's thread
    (so the worker's own bookkeeping needs no lock; the other workers' counts are read as they
    are, a moment's staleness costing at most one reconnect too many or too few)."""

    def __init__(self, live: Any, counts: Any, slot: int) -> None:
        self._live = live
        self._counts = counts
        self._slot = slot
        #: connections this worker has answered with ``Connection: close`` and not yet lost:
        #: no longer this worker's, but still in the total, as their clients come back (to a
        #: worker the kernel picks)
        self._leaving = 0

    def opened(self) -> None:
        self._counts[self._slot] += 1

    def closed(self, shed: bool) -> None:
        self._counts[self._slot] -= 1
        if shed:
            self._leaving -= 1

    def should_shed(self) -> bool:
        """Whether the request now starting should be answered with ``Connection: close``;
        if so it is counted as leaving until its connection is lost."""
        live = [slot for slot in range(len(self._live)) if self._live[slot]]
        total = sum(self._counts[slot] for slot in live)
        mine = self._counts[self._slot] - self._leaving
        if len(live) < 2 or not over_share(mine, total, len(live)):
            return False
        self._leaving += 1
        return True
