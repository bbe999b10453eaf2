"""Bearer tokens: shown once at creation, stored only as a SHA-256 hash.

Tokens carry 256 bits from ``secrets``, so a fast hash is enough (no password stretching is
needed against guessing); lookups go by hash and the final comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, insert, select, update
from sqlalchemy.exc import OperationalError

from ledger.domain.errors import NotFound, ValidationError
from ledger.security.roles import ANONYMOUS, Caller, Role
from ledger.store.tables import TokenRow

TOKENS = cast(Table, TokenRow.__table__)
PREFIX = "ldg_"
REJECTED = Caller(name=None, role=None, rejected_token=True)


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str, role: Role) -> str:
    """A new token for ``name``; the plain token is returned once and never stored."""
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_.@:" for c in name):
        raise ValidationError("a token name is 1..100 letters, digits or '-_.@:'", ["name"])
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        taken = connection.execute(
            select(TOKENS.c.name).where(TOKENS.c.name == name, TOKENS.c.revoked_at.is_(None))
        ).first()
        if taken is not None:
            raise ValidationError(
                f"an active token named '{name}' exists; revoke it first", ["name"]
            )
        connection.execute(
            insert(TOKENS).values(
                name=name,
                role=role.value,
                token_hash=_digest(token),
                created_at=datetime.now(UTC),
            )
        )
    return token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.connect() as connection:
        rows = connection.execute(select(TOKENS).order_by(TOKENS.c.name, TOKENS.c.created_at))
        return [
            TokenInfo(r.name, Role(r.role), r.created_at, r.last_used_at, r.revoked_at)
            for r in rows
        ]


def revoke_token(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        result = connection.execute(
            update(TOKENS)
            .where(TOKENS.c.name == name, TOKENS.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if result.rowcount == 0:
            raise NotFound(f"no active token named '{name}'", ["name"])


#: ``last_used_at`` is refreshed at most this often: a write per request would serialise every
#: authenticated read behind the writer lock on SQLite, for a value only shown to the minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(engine: Engine, token: str) -> Caller:
    """The caller a token stands for; an unknown or revoked token is marked rejected."""
    digest = _digest(token)
    with engine.connect() as connection:
        row = connection.execute(select(TOKENS).where(TOKENS.c.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at:
        return REJECTED
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        _touch(engine, row.id, now)
    return Caller(name=row.name, role=Role(row.role))


def _touch(engine: Engine, token_id: int, now: datetime) -> None:
    """Best effort: a busy database must not turn a valid request into an error."""
    try:
        with engine.begin() as connection:
            connection.execute(
                update(TOKENS).where(TOKENS.c.id == token_id).values(last_used_at=now)
            )
    except OperationalError:
        return


def caller_for_authorization(engine: Engine, header: str) -> Caller:
    """The caller an ``Authorization`` header names. Anything but ``Bearer <token>`` is a
    rejected credential, not anonymity: a client that sent one expects it to count."""
    scheme, _, token = header.strip().partition(" ")
    if not header.strip():
        return ANONYMOUS
    if scheme.lower() != "bearer" or not token.strip():
        return REJECTED
    return authenticate(engine, token.strip())
