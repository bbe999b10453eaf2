"""The feed, fanned out to the live subscriptions of one server process.

One reader per process follows the feed table: woken by the append signal (a local commit, or a
PostgreSQL notification from any process) or by the poll interval, it reads the events after
the last position it saw, once, and offers each to every subscription's queue. A subscription
starts *live* at the reader's position when it registers; anything between its ``after`` and
that position it reads from the table itself, and it drops whatever it has already delivered,
so each event reaches it once, in position order, whatever the interleaving. A subscription
that falls too far behind is not allowed to grow without bound: its queue is dropped and it
catches up from the table again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool

from ledger.container import Ledger
from ledger.domain.recorded_event import RecordedEvent
from ledger.live.signal import CHANNEL
from ledger.store.engine import is_sqlite
from ledger.store.event_store import EventFilter

PAGE = 500
QUEUE_LIMIT = 10_000
log = logging.getLogger(__name__)


class TooManySubscriptions(Exception):
    """The caller already holds as many subscriptions as it may."""


@dataclass(frozen=True)
class Interest:
    """What a subscription asks for: one stream or all, some types or all."""

    stream_id: str | None = None
    types: Sequence[str] | None = None

    def matches(self, event: RecordedEvent) -> bool:
        return (self.stream_id is None or event.stream_id == self.stream_id) and (
            not self.types or event.type in self.types
        )

    def as_filter(self) -> EventFilter:
        return EventFilter(stream_id=self.stream_id, types=self.types)


@dataclass(eq=False)
class _Subscriber:
    #: the reader's position when this subscriber joined (or last caught up after overflowing)
    live_from: int
    queue: asyncio.Queue[RecordedEvent | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def offer(self, event: RecordedEvent) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(event)


class FeedHub:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._poll = ledger.settings.subscription_poll_seconds
        self._subscribers: set[_Subscriber] = set()
        self._holders: Counter[str] = Counter()
        self._head: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._disconnect: list[Callable[[], None]] = []

    # --- lifecycle --------------------------------------------------------------------------

    def _start(self) -> None:
        """Started by the first subscription, in the server's event loop."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._disconnect.append(self._ledger.signal.connect(self._wake_from_any_thread))
        self._tasks.append(asyncio.create_task(self._follow()))
        if not is_sqlite(self._ledger.engine):
            self._tasks.append(asyncio.create_task(self._listen()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for disconnect in self._disconnect:
            disconnect()
        self._tasks.clear()
        self._disconnect.clear()
        self._loop = None

    def _wake_from_any_thread(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    # --- following the feed -----------------------------------------------------------------

    async def _follow(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            self._wake.clear()
            try:
                await self._read()
            except Exception:  # a failing database must not end live updates for good
                log.exception("reading the feed for subscribers failed; retrying")

    async def _read(self) -> None:
        while self._subscribers and self._head is not None:
            head = self._head
            events = await run_in_threadpool(self._ledger.store.read_feed, head, PAGE)
            if self._head != head:
                continue  # every subscriber left meanwhile, and new ones started elsewhere
            for event in events:
                for subscriber in self._subscribers:
                    subscriber.offer(event)
                self._head = event.position
            if len(events) < PAGE:
                return

    async def _listen(self) -> None:
        """PostgreSQL: LISTEN on a connection of its own; reconnect and re-read if it drops."""
        import psycopg

        url = make_url(self._ledger.settings.database_url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._wake.set()  # anything appended while not listening
                    async for _ in connection.notifies():
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listening for appends failed (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(1)

    # --- subscribing ------------------------------------------------------------------------

    @property
    def live_subscriptions(self) -> int:
        """How many subscriptions this process serves live now. One counts from the moment
        it is live: an event appended after that reaches it, whereas one appended before it
        was (with no ``after``) does not."""
        return len(self._subscribers)

    @asynccontextmanager
    async def subscription(self, holder: str, limit: int) -> AsyncIterator[_Subscriber]:
        """A place in the fan-out for one subscription of ``holder`` (a token name or a client
        address), refused when the holder already has ``limit`` of them in this process."""
        if self._holders[holder] >= limit:
            raise TooManySubscriptions(
                f"this caller already holds {limit} live subscriptions (the limit per token); "
                "complete one first"
            )
        self._holders[holder] += 1
        try:
            self._start()
            if self._head is None:
                head = (await run_in_threadpool(self._ledger.store.head)).position
                if self._head is None:
                    self._head = head
            subscriber = _Subscriber(live_from=self._head)
            self._subscribers.add(subscriber)
            # an append may have woken the reader while nobody was subscribed: look again now
            self._wake.set()
            try:
                yield subscriber
            finally:
                self._subscribers.discard(subscriber)
                if not self._subscribers:
                    self._head = None
        finally:
            self._holders[holder] -= 1
            if not self._holders[holder]:
                del self._holders[holder]

    async def events(
        self, subscriber: _Subscriber, interest: Interest, after: int | None
    ) -> AsyncIterator[RecordedEvent]:
        """Each event ``interest`` matches after ``after`` (default: from now), once, in
        position order: first from the table, up to where the live queue starts, then live."""
        position = after if after is not None else subscriber.live_from
        where = interest.as_filter()
        while True:
            while position < subscriber.live_from:
                page = await run_in_threadpool(
                    self._ledger.store.query, where, after=position, limit=PAGE
                )
                for event in page:
                    if event.position > subscriber.live_from:
                        break
                    position = event.position
                    yield event
                if len(page) < PAGE or page[-1].position >= subscriber.live_from:
                    position = max(position, subscriber.live_from)
            live = await subscriber.queue.get()
            if live is None:  # fell too far behind: read the table again up to now
                subscriber.overflowed = False
                assert self._head is not None
                subscriber.live_from = self._head
                continue
            if live.position <= position:
                continue
            position = live.position
            if interest.matches(live):
                yield live
