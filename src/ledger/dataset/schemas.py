"""The JSON Schemas of the event types, committed in ``events/schemas/`` for editors of the data
set and for other tools; a test keeps the committed files equal to what the code says."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.domain.catalogue import json_schemas


def rendered_schemas() -> dict[str, str]:
    """File name -> content, one file per event type."""
    return {
        f"{name}.json": json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema and remove files of types that no longer exist."""
    folder.mkdir(parents=True, exist_ok=True)
    files = rendered_schemas()
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
