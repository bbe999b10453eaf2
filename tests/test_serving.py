"""Serving: operations run off the event loop (`ledger serve --workers N`:
test_serve_workers.py)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ledger.app import create_app
from ledger.container import Ledger
from ledger.graphql.worker import off_the_loop
from ledger.http.serving import build

#: API layer: no dialect code here, so SQLite only (see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

SUMMARY = {"query": '{ custodySummary(asOf: "2020-02-17") { status count } }'}


def test_a_slow_query_does_not_hold_up_other_requests(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolver blocked on the database (here: sleeping) leaves the server free to answer."""
    original = ledger.read_model.custody_summary

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.0)
        return original(*args, **kwargs)

    monkeypatch.setattr(ledger.read_model, "custody_summary", slow)
    app = create_app(ledger=ledger)

    async def race() -> tuple[float, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            started = time.monotonic()

            async def slow_query() -> float:
                assert (await client.post("/graphql", json=SUMMARY)).status_code == 200
                return time.monotonic() - started

            async def quick_read() -> float:
                await asyncio.sleep(0.1)  # the slow query is under way
                assert (await client.get("/v1/events")).status_code == 200
                return time.monotonic() - started

            slow_done, quick_done = await asyncio.gather(slow_query(), quick_read())
            return slow_done, quick_done

    slow_done, quick_done = asyncio.run(race())
    assert quick_done < slow_done, (quick_done, slow_done)


def test_work_left_behind_by_an_operation_never_runs_during_the_next_one_on_its_thread() -> None:
    """Worker threads keep their event loop from one operation to the next: a task the first
    left scheduled (a DataLoader batch, when the operation was cancelled) must not run later
    inside another request."""
    ran: list[str] = []
    threads: list[int] = []
    one_at_a_time = ThreadPoolExecutor(1)

    async def leaves_a_task() -> None:
        async def later() -> None:
            await asyncio.sleep(0.1)
            ran.append("left behind")

        threads.append(threading.get_ident())
        asyncio.get_running_loop().create_task(later())

    async def takes_a_while() -> None:
        threads.append(threading.get_ident())
        await asyncio.sleep(0.3)

    async def both() -> None:
        await off_the_loop(leaves_a_task, one_at_a_time)
        await off_the_loop(takes_a_while, one_at_a_time)

    asyncio.run(both())
    assert threads[0] == threads[1]  # the same thread, so the same loop
    assert ran == []


def test_a_task_left_behind_with_a_context_of_its_own_is_cancelled_too() -> None:
    """The worker's loop notes every task made on it, whichever way it was made."""
    ran: list[str] = []
    left: list[asyncio.Future[None]] = []
    one_at_a_time = ThreadPoolExecutor(1)

    async def later() -> None:
        await asyncio.sleep(0.1)
        ran.append("left behind")

    async def leaves_tasks() -> None:
        loop = asyncio.get_running_loop()
        left.append(loop.create_task(later(), context=contextvars.copy_context()))
        left.append(loop.create_task(later(), name="named"))
        left.append(asyncio.ensure_future(later()))

    async def takes_a_while() -> None:
        await asyncio.sleep(0.3)

    async def both() -> None:
        await off_the_loop(leaves_tasks, one_at_a_time)
        await off_the_loop(takes_a_while, one_at_a_time)

    asyncio.run(both())
    assert ran == []
    assert all(task.cancelled() for task in left)


def a_served_app() -> dict[str, list[str]]:
    return {"long-lived": ["state"]}


def test_a_served_app_is_built_with_what_it_leaves_alive_frozen_out_of_collections() -> None:
    """Full collections must not walk the app's long-lived objects on every pass: once the app
    is built they are frozen, so the collector no longer lists them in any generation."""
    gc.unfreeze()  # whatever an earlier test froze in this process
    before = [["made before the app"]]
    assert any(o is before for o in gc.get_objects())
    try:
        app = build(f"{__name__}:a_served_app")
        assert app == {"long-lived": ["state"]}
        frozen = {id(o) for o in gc.get_objects()}
        assert id(before) not in frozen and id(app) not in frozen
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
