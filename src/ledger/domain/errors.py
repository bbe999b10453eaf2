"""Errors a user can act on. Each names the offending field as a path into the request."""

from __future__ import annotations

from collections.abc import Sequence


class LedgerError(Exception):
    """Base of every refusal; ``code`` is the machine-readable kind shown to API clients."""

    code = "ERROR"

    def __init__(self, message: str, field: Sequence[str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field: list[str] | None = [str(p) for p in field] if field is not None else None

    def at(self, *prefix: str | int) -> LedgerError:
        """The same error, its field path nested under ``prefix`` (the caller's position)."""
        clone = type(self)(self.message, [*prefix, *(self.field or [])])
        return clone

    def __str__(self) -> str:
        if self.field:
            return f"{'.'.join(self.field)}: {self.message}"
        return self.message


class ValidationError(LedgerError):
    code = "VALIDATION"


class UnknownEventType(LedgerError):
    code = "UNKNOWN_EVENT_TYPE"


class VersionConflict(LedgerError):
    """The stream moved on; ``current_version`` is where it is now, so a writer can re-read
    and retry at once instead of guessing."""

    code = "VERSION_CONFLICT"

    def __init__(
        self,
        message: str,
        field: Sequence[str | int] | None = None,
        current_version: int | None = None,
    ) -> None:
        super().__init__(message, field)
        self.current_version = current_version

    def at(self, *prefix: str | int) -> LedgerError:
        return VersionConflict(self.message, [*prefix, *(self.field or [])], self.current_version)


class IdConflict(LedgerError):
    """An event id reused with different content: idempotency must never hide a change."""

    code = "ID_CONFLICT"


class NotFound(LedgerError):
    code = "NOT_FOUND"


class Forbidden(LedgerError):
    code = "FORBIDDEN"


class Unauthenticated(LedgerError):
    code = "UNAUTHENTICATED"


class ChainBrokenError(LedgerError):
    """A stored event does not match the hash chain: the log was altered outside the ledger."""

    code = "CHAIN_BROKEN"
