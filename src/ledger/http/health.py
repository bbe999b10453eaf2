"""``/healthz``: whether the database answers, with the head position and database kind, and
whether the newest events still match the hash chain (a tampered log answers 503).

It answers within ``health_timeout`` seconds whatever the database does: the check runs on a
worker thread of its own (a hung database may hold every thread of the request pool) and is
abandoned at the timeout, so a load balancer polling it never waits on a hung database.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from ledger import __version__
from ledger.container import Ledger
from ledger.http.dependencies import get_ledger
from ledger.store.verification import ChainReport, newest_checked

router = APIRouter()

#: Health checks never wait for threads busy with requests; a hung check holds one of these.
_CHECKS = anyio.CapacityLimiter(2)


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
async def healthz(ledger: Ledger = Depends(get_ledger)) -> JSONResponse:
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
        return JSONResponse(body.model_dump(), status_code=503)
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
    return JSONResponse(body.model_dump(), status_code=200 if report.ok else 503)


def _check(ledger: Ledger) -> tuple[int, ChainReport]:
    head = ledger.store.head().position
    return head, newest_checked(ledger.store, ledger.settings.health_chain_events)
