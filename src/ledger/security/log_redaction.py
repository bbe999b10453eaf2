"""Keeps bearer tokens and stored values out of logs, whatever logs them.

The ledger itself never logs a token, a header or event data, and uvicorn's access log holds
only the request line. This is the second line: should a token end up in a URL, an exception
message or a third-party log line, it is masked as the record is created, before any handler
sees it; and the bound values SQLAlchemy appends to database errors (event data, possibly
restricted, on a failed insert) are withheld.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from typing import Any

from ledger.security.tokens import PREFIX

_SECRETS = re.compile(
    rf"{re.escape(PREFIX)}[A-Za-z0-9_\-]{{8,}}|(?i:bearer)\s+[A-Za-z0-9_\-.~+/=]{{8,}}"
)
MASK = "[REDACTED]"
#: SQLAlchemy appends a statement's bound values to its errors' text; an insert's values are
#: event data, possibly restricted. The statement itself (placeholders only) stays.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
WITHHELD = "[parameters withheld]"


def redact(text: str) -> str:
    return _SQL_PARAMETERS.sub(WITHHELD, _SECRETS.sub(MASK, text))


def _mask(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def _redacted(record: logging.LogRecord) -> logging.LogRecord:
    """Masks arguments one by one first, since some formatters (uvicorn's access log) unpack
    ``record.args``; collapses to the masked message only when a secret hides elsewhere."""
    with suppress(Exception):  # a malformed record is the handler's to report, not ours
        record.msg = _mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _mask(v) for k, v in record.args.items()}
        message = record.getMessage()
        if redact(message) != message:
            record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install() -> None:
    """Mask every log record of the process as it is created, whichever logger and handler
    (so it also covers loggers configured later, as uvicorn's are). Idempotent."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts_secrets", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redacted(factory(*args, **kwargs))

    make_record.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
