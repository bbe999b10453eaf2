"""Relay global ids and cursors: opaque base64 strings, so clients never build them by hand.

A global id is base64 of '<Type>:<key>' ('Person:person-maks-bokayev'); the key is the stream id
for persons and recommendations and the event UUID for events. Cursors are base64 of
'<kind>:<int>' so a cursor of one list is refused by another instead of silently misreading it.
"""

from __future__ import annotations

import base64
import binascii

from graphql import GraphQLError

NODE_TYPES = ("Person", "Recommendation", "Event")


def encode_global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_global_id(value: str) -> tuple[str, str] | None:
    """(type name, key), or None when ``value`` is not one of our global ids."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, key = text.partition(":")
    # a key smuggling control characters (NUL) past the HTTP gate inside base64 names nothing
    if not sep or type_name not in NODE_TYPES or not key or not key.isprintable():
        return None
    return type_name, key


def stream_key(value: str, type_name: str, argument: str = "id") -> str:
    """The stream id named by a global id of ``type_name`` or by the raw stream id itself."""
    decoded = decode_global_id(value)
    if decoded is None:
        return value
    if decoded[0] != type_name:
        raise GraphQLError(
            f"argument '{argument}' is a {decoded[0]} id, not a {type_name} id",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    return decoded[1]


def encode_cursor(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode()


def decode_cursor(value: str, kind: str, argument: str = "after") -> int:
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != kind:
            raise ValueError
        parsed = int(number)
        if parsed < 0:
            raise ValueError
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphQLError(
            f"argument '{argument}' is not a cursor of this list: '{value}'",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        ) from None
    return parsed
