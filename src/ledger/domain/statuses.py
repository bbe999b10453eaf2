"""The contract's status enums: custody of a person, implementation of a recommendation."""

from __future__ import annotations

from enum import StrEnum


class CustodyStatus(StrEnum):
    UNKNOWN = "UNKNOWN"
    FREE = "FREE"
    RESTRICTED = "RESTRICTED"
    DETAINED = "DETAINED"
    IMPRISONED = "IMPRISONED"


class ImplementationStatus(StrEnum):
    NOT_ASSESSED = "NOT_ASSESSED"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    PARTIALLY_IMPLEMENTED = "PARTIALLY_IMPLEMENTED"
    IMPLEMENTED = "IMPLEMENTED"
