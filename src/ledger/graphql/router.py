"""The GraphQL endpoint, whose malformed HTTP requests are problem documents like every other
HTTP error of the app (strawberry answers them as plain text).

A request that reaches GraphQL (a syntax error in the document, an unknown field) is answered
the GraphQL way, ``errors`` in the response; only what is not a GraphQL request at all (a body
that is not JSON, no query, an unsupported method or media type) becomes a problem.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request

from ledger.graphql.websocket import LedgerGraphQLRouter
from ledger.rest.problems import problem

_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


class ProblemGraphQLRouter(LedgerGraphQLRouter):
    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            if not isinstance(request, Request):  # a WebSocket: the protocol says how to fail
                raise
            return problem(exc.status_code, exc.reason, _CODES.get(exc.status_code, "BAD_REQUEST"))
