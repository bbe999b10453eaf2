"""``/healthz``: whether the database answers, with the head position and database kind.

It answers within ``health_timeout`` seconds whatever the database does: the check runs on a
worker thread of its own (a hung database may hold every thread of the request pool) and is
abandoned at the timeout, so a load balancer polling it never waits on a hung database.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from ledger import __version__
from ledger.container import Ledger
from ledger.http.dependencies import get_ledger

router = APIRouter()

#: Health checks never wait for threads busy with requests; a hung check holds one of these.
_CHECKS = anyio.CapacityLimiter(2)


class Health(BaseModel):
    status: str
    database: str
    headPosition: int | None
    version: str


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "the database does not answer"}},
    tags=["operations"],
)
async def healthz(ledger: Ledger = Depends(get_ledger)) -> JSONResponse:
    head: int | None = None
    with anyio.move_on_after(ledger.settings.health_timeout):
        try:
            head = await anyio.to_thread.run_sync(
                _head_position, ledger, limiter=_CHECKS, abandon_on_cancel=True
            )
        except SQLAlchemyError:
            head = None
    if head is None:
        body = Health(
            status="unavailable",
            database=ledger.database_kind,
            headPosition=None,
            version=__version__,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    body = Health(
        status="ok", database=ledger.database_kind, headPosition=head, version=__version__
    )
    return JSONResponse(body.model_dump())


def _head_position(ledger: Ledger) -> int:
    return ledger.store.head().position
