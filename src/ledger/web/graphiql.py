"""GraphiQL at ``GET /graphql`` (in a browser), from the vendored files instead of a CDN.

Strawberry's own page loads seven files from unpkg and, offline, stays on "Loading..."; it also
reads headers from the address bar. This page keeps the explorer plugin and subscriptions, never
puts headers in the address bar nor in localStorage, and runs no inline script.
"""

from __future__ import annotations

import functools
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter

from ledger.graphql.context import LedgerContext
from ledger.web.static_files import PAGE_HEADERS
from ledger.web.vendored import BY_NAME

_PAGE = Path(__file__).with_name("graphiql.html")
_SLOTS = {
    "react": "react.production.min.js",
    "react_dom": "react-dom.production.min.js",
    "graphiql_js": "graphiql.min.js",
    "graphiql_css": "graphiql.min.css",
    "explorer_js": "graphiql-plugin-explorer.umd.js",
    "explorer_css": "graphiql-plugin-explorer.css",
}


@functools.cache
def graphiql_page() -> str:
    values: dict[str, str] = {}
    for slot, name in _SLOTS.items():
        values[slot] = BY_NAME[name].url
        values[f"{slot}_sri"] = BY_NAME[name].integrity
    return Template(_PAGE.read_text(encoding="utf-8")).substitute(values)


class OfflineGraphQLRouter(GraphQLRouter[LedgerContext, None]):
    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page(), headers=PAGE_HEADERS)
