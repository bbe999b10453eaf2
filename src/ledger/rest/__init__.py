"""The REST API under ``/v1``: appends, reads, the global feed, export and import."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.rest.export_import import router as export_router
from ledger.rest.feed import router as feed_router
from ledger.rest.problems import http_exception_handler
from ledger.rest.streams import router as streams_router


def install(app: FastAPI) -> None:
    """Mount the routers; 404/405 under /v1 are answered as problems, other paths as before."""
    router = APIRouter(prefix="/v1")
    router.include_router(streams_router)
    router.include_router(feed_router)
    router.include_router(export_router)
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
