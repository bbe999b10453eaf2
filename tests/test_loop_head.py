"""The head read on the event loop (PostgreSQL): fresh for every request that waits for it,
shared by the requests that arrive together, and out of the way (None, so the request reads the
head on the worker thread) whenever the database does not answer."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.source import Source
from ledger.graphql import loop_head
from ledger.graphql.loop_head import Latest, LoopHead, Outcome
from ledger.store.engine import Timeouts, make_engine

SOURCE = (Source(title="fixture"),)


def profiled(name: str = "Head Subject") -> NewEvent:
    return NewEvent("PersonProfiled", {"name": name}, SOURCE)


class _ScriptedHead:
    """A head reader whose statements run against a counter standing for the database, each
    answered when the test releases it (the snapshot is taken when the statement is sent)."""

    def __init__(self, timeouts: Timeouts | None = None) -> None:
        self.reader = LoopHead(
            make_engine("postgresql+psycopg://nobody@127.0.0.1/none"), timeouts or Timeouts()
        )
        self.database_head = 1
        self.releases: list[Callable[[], None]] = []
        self.closed = 0
        script = self

        class Wire:
            def __init__(self, answered: Callable[[Outcome], None]) -> None:
                self.answered = answered

            def send(self) -> None:
                seen: Latest = (script.database_head, None)
                script.releases.append(lambda: self.answered(seen))

            def close(self) -> None:
                script.closed += 1

        async def open_wire(answered: Callable[[Outcome], None]) -> Wire:
            return Wire(answered)

        self.reader._open = open_wire  # type: ignore[method-assign]

    async def statements_run(self, count: int) -> None:
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(self.releases) == count


def test_a_head_read_in_flight_when_a_request_arrives_does_not_answer_it() -> None:
    """Read-your-writes across processes: a request waits for a read that started after it
    arrived, so an append committed before it is counted; every request arriving during one read
    shares the next."""
    head = _ScriptedHead()

    async def scenario() -> list[Latest | None]:
        early = asyncio.ensure_future(head.reader.latest())
        await head.statements_run(1)
        head.database_head = 2  # an append commits while the first read is in flight
        late = [asyncio.ensure_future(head.reader.latest()) for _ in range(3)]
        await head.statements_run(1)
        head.releases[0]()
        assert await early == (1, None)
        await head.statements_run(2)  # one more read, for all three
        head.releases[1]()
        return list(await asyncio.gather(*late))

    assert asyncio.run(scenario()) == [(2, None)] * 3
    assert len(head.releases) == 2


def test_requests_arriving_before_a_head_read_sends_its_statement_share_that_read() -> None:
    """Requests handled in one turn of the event loop share one read: its statement runs after
    every one of them arrived, so it is as fresh for the last as for the first."""
    head = _ScriptedHead()

    async def scenario() -> list[Latest | None]:
        together = [asyncio.ensure_future(head.reader.latest()) for _ in range(4)]
        await head.statements_run(1)
        head.database_head = 2  # committed after that read's snapshot: not in its answer
        head.releases[0]()
        return list(await asyncio.gather(*together))

    assert asyncio.run(scenario()) == [(1, None)] * 4
    assert len(head.releases) == 1


def test_a_request_cancelled_while_waiting_leaves_the_read_to_the_others() -> None:
    head = _ScriptedHead()

    async def scenario() -> list[Latest | None]:
        together = [asyncio.ensure_future(head.reader.latest()) for _ in range(3)]
        await head.statements_run(1)
        together[0].cancel()
        head.releases[0]()
        return list(await asyncio.gather(*together[1:]))

    assert asyncio.run(scenario()) == [(1, None)] * 2


def test_a_head_read_slower_than_the_statement_timeout_answers_none_and_rests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request goes to the worker thread's path; the connection is closed (its late answer
    is never read) and a new one is opened no sooner than RETRY_SECONDS later."""
    monkeypatch.setattr(loop_head, "RETRY_SECONDS", 0.2)
    head = _ScriptedHead(Timeouts(statement=0.05))

    async def scenario() -> tuple[Latest | None, Latest | None, Latest | None]:
        slow = await head.reader.latest()  # never released
        resting = await head.reader.latest()
        await asyncio.sleep(0.25)
        again = asyncio.ensure_future(head.reader.latest())
        await head.statements_run(2)
        head.releases[1]()
        return slow, resting, await again

    assert asyncio.run(scenario()) == (None, None, (1, None))
    assert head.closed == 1


@pytest.mark.backends("postgres")
def test_the_head_read_on_the_event_loop_is_the_stores(ledger: Ledger) -> None:
    ledger.service.append("person-head-subject", [profiled()], recorded_by="fixture")
    reader = LoopHead(ledger.engine, Timeouts())

    async def read() -> list[Latest | None]:
        try:
            first = await reader.latest()
            await asyncio.to_thread(
                ledger.service.append, "person-head-other", [profiled()], recorded_by="fixture"
            )
            return [first, await reader.latest()]
        finally:
            await reader.close()

    first, second = asyncio.run(read())
    assert second == ledger.store.latest()
    assert first is not None and second is not None and second[0] > first[0]


@pytest.mark.backends("postgres")
def test_a_head_reader_whose_connection_the_server_ended_reads_again_after_resting(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An administrator's termination (or a restart) fails the reader's connection: requests
    meanwhile answer None (the worker thread's path), and a later one connects anew."""
    monkeypatch.setattr(loop_head, "RETRY_SECONDS", 0.2)
    ledger.service.append("person-head-subject", [profiled()], recorded_by="fixture")
    reader = LoopHead(ledger.engine, Timeouts())
    admin = create_engine(ledger.engine.url, isolation_level="AUTOCOMMIT")

    def terminate_reader() -> None:
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": f"ledger head reader {os.getpid()}"},
            ).scalars()
            assert any(ended)

    async def read() -> list[Latest | None]:
        try:
            before = await reader.latest()
            await asyncio.to_thread(terminate_reader)
            answers = [await reader.latest() for _ in range(3)]
            await asyncio.sleep(0.3)
            return [before, *answers, await reader.latest()]
        finally:
            await reader.close()

    try:
        answers = asyncio.run(read())
    finally:
        admin.dispose()
    assert answers[0] == answers[-1] == ledger.store.latest()
    assert None in answers[1:4]
