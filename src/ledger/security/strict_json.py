"""Request bodies are strict JSON, checked once at the gate before any handler parses them.

Python's parser accepts what JSON does not: ``NaN``, ``Infinity``, and numbers such as
``1e999`` that it turns into infinity; the ledger would then store something else than was
sent (or nothing). Invalid UTF-8 and nesting thousands of levels deep made handlers fail with
500. Each of these is refused here with 400 and a message saying which.

Nesting is bounded before the parser goes deep: the parser gives up at the interpreter's
recursion limit (a RecursionError, refused), and what it did parse is then measured with an
explicit stack against :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: Request documents nest a few levels (an append: body, events, event, data, its values);
#: GraphQL variables a few more. Event data itself is bounded lower by the domain.
MAX_DEPTH = 64


class _NotStrict(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _NotStrict(f"{name} is not a JSON number: numbers must be finite")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrict(f"the number {text[:40]} is too large: numbers must be finite")
    return value


def strict_json_refusal(body: bytes) -> str | None:
    """Why ``body`` holds what strict JSON refuses, or None (also when it is no JSON at all)."""
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the body is not valid UTF-8 (byte {exc.start})"
    try:
        document = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except _NotStrict as exc:
        return str(exc)
    except RecursionError:
        return f"the JSON body is nested deeper than {MAX_DEPTH} levels"
    except ValueError:
        # A syntax error is the handler's to answer, in its route's words (or the body is not
        # one JSON document at all: NDJSON); what was parsed up to it has been checked.
        return None
    if _depth_exceeds(document, MAX_DEPTH):
        return f"the JSON body is nested deeper than {MAX_DEPTH} levels"
    return None


def _depth_exceeds(document: Any, limit: int) -> bool:
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            pending.extend((child, depth + 1) for child in value)
    return False
