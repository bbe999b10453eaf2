"""HEAD and OPTIONS on every route, as HTTP clients, proxies and monitors expect (RFC 9110).

HEAD answers exactly what GET would, headers included, without the body. OPTIONS answers 204
with ``Allow`` naming the path's methods. An unknown path stays a 404 for both. (With CORS
enabled, a browser's preflight is answered by the CORS middleware, which runs before this.)
"""

from __future__ import annotations

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Answered for every route by this middleware, on top of the route's own methods.
IMPLIED = ("HEAD", "OPTIONS")
#: The methods routes may declare.
CANDIDATES = ("GET", "POST", "PUT", "PATCH", "DELETE")


class MethodsMiddleware:
    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in IMPLIED:
            await self.app(scope, receive, send)
            return
        own = self.declared(scope)
        if not own or method in own:  # an unknown path (404), or the route answers it itself
            await self.app(scope, receive, send)
        elif method == "OPTIONS":
            await _no_content(send, allow(own))
        elif "GET" in own:
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
        else:
            await self.app(scope, receive, send)

    def declared(self, scope: Scope) -> set[str]:
        """The methods some route takes on this path (empty: no route has this path).

        Asked of the routes themselves, one method at a time, through ``matches`` (routers
        included in the app answer for their own routes), so nothing runs.
        """
        return {
            method
            for method in CANDIDATES
            if any(
                route.matches(_probe(scope, method))[0] is Match.FULL
                for route in self.router.routes
            )
        }


def _probe(scope: Scope, method: str) -> Scope:
    """A fresh scope per question: matching may write into the scope it is given."""
    return {
        "type": "http",
        "method": method,
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }


def allow(methods: set[str]) -> str:
    """The ``Allow`` header for a path whose routes declare ``methods``."""
    implied = {"OPTIONS", "HEAD"} if "GET" in methods else {"OPTIONS"}
    return ", ".join(sorted(methods | implied))


async def _no_content(send: Send, allowed: str) -> None:
    headers = [(b"allow", allowed.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})
            return
        await send(message)

    return send_headers_only
