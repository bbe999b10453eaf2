"""Request-scoped values shared by REST and GraphQL: the Ledger and the caller."""

from __future__ import annotations

from fastapi import Request

from ledger.container import Ledger
from ledger.security.roles import ANONYMOUS, Caller
from ledger.security.tokens import authenticate


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def get_caller(request: Request) -> Caller:
    """The caller named by ``Authorization: Bearer TOKEN``; anonymous without the header."""
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        caller = ANONYMOUS
    elif scheme.lower() != "bearer" or not token.strip():
        caller = Caller(name=None, role=None, rejected_token=True)
    else:
        caller = authenticate(get_ledger(request).engine, token.strip())
    request.state.caller = caller
    return caller
