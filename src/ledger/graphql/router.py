"""The GraphQL endpoint, whose malformed HTTP requests are problem documents like every other
HTTP error of the app (strawberry answers them as plain text).

A request that reaches GraphQL (a syntax error in the document, an unknown field) is answered
the GraphQL way, ``errors`` in the response; only what is not a GraphQL request at all (a body
that is not JSON, no query, an unsupported method or media type) becomes a problem.

Answers are encoded by orjson (compact: the same JSON as strawberry's ``json.dumps`` with its
separators, in a fraction of the time), or by ``json.dumps`` where orjson refuses a value (an
integer past 64 bits, which an event's data may hold). As text: a websocket message is sent as
a binary frame when its encoding is bytes, and graphql-ws clients read only text frames.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request

from ledger.graphql.websocket import LedgerGraphQLRouter
from ledger.rest.problems import problem

_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


class ProblemGraphQLRouter(LedgerGraphQLRouter):
    def encode_json(self, data: object) -> str:
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            if not isinstance(request, Request):  # a WebSocket: the protocol says how to fail
                raise
            return problem(exc.status_code, exc.reason, _CODES.get(exc.status_code, "BAD_REQUEST"))
