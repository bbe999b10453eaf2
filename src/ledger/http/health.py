"""``/healthz``: whether the database answers, with the head position and database kind, and
whether the newest events still match the hash chain (a tampered log answers 503).

It answers within ``health_timeout`` seconds whatever the database does: the check runs on a
worker thread of its own (a hung database may hold every thread of the request pool) and is
abandoned at the timeout, so a load balancer polling it never waits on a hung database.

Load balancers and monitors poll it, often several times a second per node: the answer is kept
for ``health_cache_seconds`` (a second), so polling costs about one check a second per process
(at most one per nine tenths of it), and a database in trouble is not hammered by it either.
Under steady polling the answer is checked afresh ahead of time: a request in the last tenth of
the kept answer's second is served that answer at once and starts one check in the background,
whose answer replaces it. A kept answer is never served past its second: when it has expired
(polling paused), one request refreshes it and those arriving meanwhile wait for that refresh,
instead of each running a check of its own (at 8 concurrent pollers they queued behind each
other's checks: a p99 of 30 to 110 ms against a p50 of 2 ms). Waiting for the refresh at every
expiry held the requests of that second on it: at two workers on PostgreSQL a p99 5 times the
p50.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from ledger import __version__
from ledger.container import Ledger
from ledger.http.dependencies import get_ledger
from ledger.store.verification import ChainReport, newest_checked

router = APIRouter()

#: Health checks never wait for threads busy with requests; a hung check holds one of these.
_CHECKS = anyio.CapacityLimiter(2)
#: In the last tenth of its time, a request served the kept answer has it checked afresh.
AHEAD_FRACTION = 0.1


class ChainHealth(BaseModel):
    """The hash chain re-checked over the newest events (``LEDGER_HEALTH_CHAIN_EVENTS``)."""

    checked: int
    ok: bool
    firstBadPosition: int | None


class Health(BaseModel):
    status: str = Field(description="ok; unavailable (no database); chain-broken (tampered)")
    database: str
    headPosition: int | None
    version: str
    chain: ChainHealth | None = None


@router.get(
    "/healthz",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "the database does not answer, or the newest events do not chain",
        }
    },
    tags=["operations"],
)
async def healthz(request: Request) -> Response:
    state = request.app.state
    answer: _Answer | None = getattr(state, "health", None)
    now = time.monotonic()
    if answer is None or answer.until <= now:
        answer = await _refreshed(request)
    elif answer.until - now <= answer.ahead and getattr(state, "health_ahead", None) is None:
        ahead = state.health_ahead = asyncio.create_task(_refreshed(request))
        ahead.add_done_callback(lambda _task: setattr(state, "health_ahead", None))
    return Response(answer.body, answer.status_code, media_type="application/json")


async def _refreshed(request: Request) -> _Answer:
    """The kept answer, checked afresh unless another request did so while this one waited."""
    state = request.app.state
    refreshing: anyio.Lock | None = getattr(state, "health_refresh", None)
    if refreshing is None:
        refreshing = state.health_refresh = anyio.Lock()
    async with refreshing:
        answer: _Answer | None = getattr(state, "health", None)
        if answer is None or answer.until - time.monotonic() <= answer.ahead:
            ledger = get_ledger(request)
            status_code, body = await _answer(ledger)
            kept = ledger.settings.health_cache_seconds
            answer = _Answer(
                status_code,
                body.model_dump_json().encode(),
                until=time.monotonic() + kept,
                ahead=kept * AHEAD_FRACTION,
            )
            state.health = answer
    return answer


@dataclass(frozen=True)
class _Answer:
    status_code: int
    body: bytes
    #: served until then (monotonic clock), and checked afresh from ``ahead`` seconds before
    until: float
    ahead: float


async def _answer(ledger: Ledger) -> tuple[int, Health]:
    checked: tuple[int, ChainReport] | None = None
    with anyio.move_on_after(ledger.settings.health_timeout):
        try:
            checked = await anyio.to_thread.run_sync(
                _check, ledger, limiter=_CHECKS, abandon_on_cancel=True
            )
        except SQLAlchemyError:
            checked = None
    if checked is None:
        body = Health(
            status="unavailable",
            database=ledger.database_kind,
            headPosition=None,
            version=__version__,
        )
        return 503, body
    head, report = checked
    body = Health(
        status="ok" if report.ok else "chain-broken",
        database=ledger.database_kind,
        headPosition=head,
        version=__version__,
        chain=ChainHealth(
            checked=report.checked, ok=report.ok, firstBadPosition=report.first_bad_position
        ),
    )
    return (200 if report.ok else 503), body


def _check(ledger: Ledger) -> tuple[int, ChainReport]:
    head = ledger.store.head().position
    return head, newest_checked(ledger.store, ledger.settings.health_chain_events, head)
