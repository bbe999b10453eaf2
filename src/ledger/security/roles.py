"""Roles and the caller of a request: the one place that says who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.domain.errors import Forbidden, Unauthenticated
from ledger.domain.visibility import Visibility


class Role(StrEnum):
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking. ``name`` is the token's name (None for anonymous callers)."""

    name: str | None
    role: Role | None
    #: set when the request carried a token that is unknown or revoked
    rejected_token: bool = False

    @property
    def can_write(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def visibility(self) -> Visibility:
        """Admins see restricted events' data; everyone else the public view."""
        return Visibility.FULL if self.role is Role.ADMIN else Visibility.PUBLIC

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    def recorder(self) -> str:
        """The ``recordedBy`` of this caller's writes; refuses callers who may not write."""
        if self.rejected_token:
            raise Unauthenticated("the bearer token is unknown or revoked")
        if self.role is None or self.name is None:
            raise Unauthenticated("writing needs an editor or admin bearer token")
        if not self.can_write:
            raise Forbidden(f"the {self.role.value} role may not write; editor or admin may")
        return self.name

    def require_read(self, token_required: bool) -> None:
        if self.rejected_token:
            raise Unauthenticated("the bearer token is unknown or revoked")
        if token_required and self.role is None:
            raise Unauthenticated("this deployment needs a bearer token to read")


ANONYMOUS = Caller(name=None, role=None)
