"""Which exceptions mean "the database cannot answer now" rather than "this request is wrong".

A refused connection, a connection cut mid-statement, a statement or lock wait past its timeout,
an empty pool, a locked SQLite file: none says anything about the request, all may pass. The
HTTP layers answer them with 503 and a request id instead of a bare 500.
"""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE"


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it wraps) is the database failing to answer."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # The COPY path talks to psycopg directly, so its errors arrive unwrapped.
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
