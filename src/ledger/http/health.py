"""``/healthz``: whether the database answers, with the head position and database kind."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from ledger import __version__
from ledger.container import Ledger
from ledger.http.dependencies import get_ledger

router = APIRouter()


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
def healthz(ledger: Ledger = Depends(get_ledger)) -> JSONResponse:
    try:
        head = ledger.store.head().position
    except SQLAlchemyError:
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
