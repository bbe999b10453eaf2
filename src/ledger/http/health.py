"""``/healthz``: whether the database answers, with the head position and database kind.

Load balancers and monitors poll it, often several times a second per node: the answer is kept
for a second (:data:`FRESH_FOR`), so polling costs at most one database round trip a second per
process, and a down database is not hammered either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from ledger import __version__
from ledger.container import Ledger
from ledger.http.dependencies import get_ledger

router = APIRouter()

#: seconds an answer stays fresh
FRESH_FOR = 1.0


class Health(BaseModel):
    status: str
    database: str
    headPosition: int | None
    version: str


@dataclass(frozen=True)
class _Answer:
    status_code: int
    body: bytes
    until: float


def _check(ledger: Ledger) -> tuple[int, Health]:
    try:
        head: int | None = ledger.store.head().position
    except SQLAlchemyError:
        head = None
    status = "ok" if head is not None else "unavailable"
    body = Health(
        status=status, database=ledger.database_kind, headPosition=head, version=__version__
    )
    return (200 if head is not None else 503), body


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "the database does not answer"}},
    tags=["operations"],
)
async def healthz(request: Request) -> Response:
    answer: _Answer | None = getattr(request.app.state, "health", None)
    now = time.monotonic()
    if answer is None or answer.until <= now:
        status_code, body = await run_in_threadpool(_check, get_ledger(request))
        answer = _Answer(status_code, body.model_dump_json().encode(), now + FRESH_FOR)
        request.app.state.health = answer
    return Response(answer.body, answer.status_code, media_type="application/json")
