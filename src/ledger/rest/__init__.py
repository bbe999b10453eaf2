"""The REST API under ``/v1``: appends, reads, the global feed, export and import."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.rest import export_import, feed, streams
from ledger.rest.problems import ProblemRoute, http_exception_handler


def install(app: FastAPI) -> None:
    """Mount the routers; 404/405 under /v1 are answered as problems, other paths as before."""
    router = APIRouter(prefix="/v1", route_class=ProblemRoute)
    router.include_router(streams.router)
    router.include_router(feed.router)
    router.include_router(export_import.router)
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
