"""The events every contender of ``bench/append.py`` writes: the same rows for all of them.

Standard library only: the ``eventsourcing`` peer imports it from its own virtual environment.
Each event is an ``IncidentReported`` of about 330 bytes (data and sources as JSON).
"""

from __future__ import annotations

import uuid
from typing import Any

DESCRIPTION = (
    "Searched at home by officers of the National Security Committee, who seized phones and "
    "laptops; relatives were questioned for several hours and warned not to speak to the press "
    "or to foreign diplomats about the case. "
)
SOURCES = [{"title": "Bench report", "published": "2020-01"}]

#: one append call: (stream id, events as JSON-shaped new events) for each stream it writes
Call = list[tuple[str, list[dict[str, Any]]]]


def event(stream: int, version: int) -> dict[str, Any]:
    """Events dated in version order, so that every append falls after the stream's history."""
    return {
        "id": str(uuid.UUID(int=(stream << 32) + version, version=4)),
        "type": "IncidentReported",
        "occurredOn": f"{2000 + version // 12:04d}-{1 + version % 12:02d}",
        "data": {"kind": "SEARCH", "description": f"{DESCRIPTION}{stream}/{version}"},
        "sources": SOURCES,
    }


def calls(total: int, streams: int, streams_per_call: int, per_call: int) -> list[Call]:
    """``total`` events over ``streams`` streams, written ``streams_per_call`` streams at a time
    with ``per_call`` events per stream per call, until every stream holds its share."""
    share = max(1, total // streams)
    written = [0] * streams
    result: list[Call] = []
    while any(count < share for count in written):
        for first in range(0, streams, streams_per_call):
            call: Call = []
            for stream in range(first, min(streams, first + streams_per_call)):
                count = min(per_call, share - written[stream])
                if count <= 0:
                    continue
                start = written[stream]
                call.append(
                    (f"person-b{stream:05d}", [event(stream, start + v) for v in range(count)])
                )
                written[stream] += count
            if call:
                result.append(call)
    return result
