"""``GET /v1/export`` and ``POST /v1/import``: the whole log as NDJSON, for backups and moves.

A full backup needs an admin token (or ``ledger export``): for anyone else restricted events are
redacted, and a redacted export cannot be re-imported with identical hashes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ledger.container import Ledger
from ledger.http.dependencies import get_ledger
from ledger.rest.access import admin, reader
from ledger.rest.models import ImportResult
from ledger.rest.problems import ProblemRoute, problem_responses
from ledger.security.roles import Caller
from ledger.service.transfer import export_lines, import_file

router = APIRouter(tags=["export"], route_class=ProblemRoute)

NDJSON = "application/x-ndjson"
#: OpenAPI 3.2 describes sequential media types by the schema of one item.
_LINES = {"itemSchema": {"$ref": "#/components/schemas/Event"}}


@router.get(
    "/export",
    operation_id="exportEvents",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "one Event per line, in position order, data as stored",
            "content": {NDJSON: _LINES},
        },
        **problem_responses(401),
    },
    summary="Every event as NDJSON (streamed)",
)
def export(
    caller: Caller = Depends(reader), ledger: Ledger = Depends(get_ledger)
) -> StreamingResponse:
    """Streams in constant memory up to the head at the start of the request. Restricted events
    are redacted unless the token is an admin's: only an admin export is a full backup."""
    return StreamingResponse(export_lines(ledger.store, caller), media_type=NDJSON)


@router.post(
    "/import",
    operation_id="importEvents",
    response_model=ImportResult,
    responses=problem_responses(401, 403, 409, 422, 413, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "an export: one Event per line, as GET /v1/export wrote it",
            "content": {NDJSON: _LINES},
        }
    },
    summary="Replay an export into an empty store (admin)",
)
async def import_(
    request: Request,
    _caller: Caller = Depends(admin),
    ledger: Ledger = Depends(get_ledger),
) -> ImportResult:
    """The whole chain is checked before anything is written; it must come out identical."""
    with tempfile.TemporaryDirectory(prefix="ledger-import-") as folder:
        path = Path(folder) / "export.ndjson"
        with path.open("wb") as spool:
            async for chunk in request.stream():
                spool.write(chunk)

        def open_lines() -> IO[str]:
            return path.open(encoding="utf-8")

        count = await run_in_threadpool(import_file, ledger.service, open_lines)
    head = await run_in_threadpool(ledger.store.head)
    return ImportResult(imported=count, headPosition=head.position, headHash=head.hash)
