"""Request-scoped values shared by REST and GraphQL: the Ledger and the caller."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from ledger.container import Ledger
from ledger.security.roles import ANONYMOUS, Caller
from ledger.security.tokens import caller_for_authorization


def get_ledger(request: HTTPConnection) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def get_caller(request: HTTPConnection) -> Caller:
    """The caller named by ``Authorization: Bearer TOKEN``; anonymous without the header.

    Normally the security middleware has already authenticated the request and left the caller
    in the request state; the lookup here serves apps mounted without it.
    """
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization")
    if header is None:
        caller = ANONYMOUS
    else:
        caller = caller_for_authorization(get_ledger(request).engine, header)
    request.state.caller = caller
    return caller
