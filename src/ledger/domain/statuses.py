"""The contract's status enums: custody of a person, implementation of a recommendation, and
whether an answer holds whichever way the uncertain dates fall."""

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


class Certainty(StrEnum):
    #: every event that may have happened by asOf certainly did, or none changes the answer
    CERTAIN = "CERTAIN"
    #: events whose dates straddle asOf would change the answer
    UNCERTAIN = "UNCERTAIN"
