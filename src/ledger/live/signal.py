"""The wake-up an append sends to live subscribers: a hint that the feed grew, never the data.

Registered as an append listener, so every write path that appends (GraphQL, REST, CLI,
import) sends it. On PostgreSQL it is a ``NOTIFY`` issued inside the append's transaction, which
PostgreSQL delivers at commit, to every listening process, and never for a rolled-back append.
In the appending process it also wakes the local subscribers right after the commit, so
SQLite (one process) needs nothing else. The feed table stays the truth: a subscriber woken
reads the events from it, so a notification lost on the way only delays, never drops, an event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from threading import Lock

from sqlalchemy import Connection, text

from ledger.domain.recorded_event import RecordedEvent
from ledger.store.engine import after_commit, is_sqlite

CHANNEL = "ledger_feed"


class AppendSignal:
    """An append listener (see ``ledger.store.event_store.AppendListener``)."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._wakers: list[Callable[[], None]] = []

    def on_append(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        if not is_sqlite(connection):
            connection.execute(text(f"NOTIFY {CHANNEL}"))
        after_commit(connection, self.wake)

    def wake(self) -> None:
        """Called from whichever thread committed; each waker must be thread-safe."""
        with self._lock:
            wakers = list(self._wakers)
        for waker in wakers:
            waker()

    def connect(self, waker: Callable[[], None]) -> Callable[[], None]:
        """Register a waker; returns the function that removes it."""
        with self._lock:
            self._wakers.append(waker)

        def disconnect() -> None:
            with self._lock:
                self._wakers.remove(waker)

        return disconnect
