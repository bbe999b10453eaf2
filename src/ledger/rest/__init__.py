"""The REST API under ``/v1``: appends, reads, the global feed, export and import."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.rest.export_import import router as export_router
from ledger.rest.feed import router as feed_router
from ledger.rest.problems import http_exception_handler
from ledger.rest.storable_text import describe_storable_text
from ledger.rest.streams import router as streams_router


def install(app: FastAPI) -> None:
    """Mount the routers; every HTTP error (404 and 405 included) is answered as a problem."""
    router = APIRouter(prefix="/v1")
    router.include_router(streams_router)
    router.include_router(feed_router)
    router.include_router(export_router)
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    describe_storable_text(app)
