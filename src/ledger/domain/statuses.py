"""The contract's status enums: custody of a person, implementation of a recommendation."""

from __future__ import annotations

from enum import Enum


class CustodyStatus(str, Enum):
    UNKNOWN = "UNKNOWN"
    FREE = "FREE"
    RESTRICTED = "RESTRICTED"
    DETAINED = "DETAINED"
    IMPRISONED = "IMPRISONED"


class ImplementationStatus(str, Enum):
    NOT_ASSESSED = "NOT_ASSESSED"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    PARTIALLY_IMPLEMENTED = "PARTIALLY_IMPLEMENTED"
    IMPLEMENTED = "IMPLEMENTED"
