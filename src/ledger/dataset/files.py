"""Reading ``events/``: every file is parsed and validated before anything is appended.

Layout: ``events/sources.yaml`` lists cited documents once (``id``, ``title``, ``publisher``,
``published``, ``url``); every other ``*.yaml`` file below ``events/`` (except ``schemas/``)
holds one stream::

    stream: person-maks-bokayev
    events:
      - id: 3f0c…            # stable UUID: loading twice stores nothing new
        type: PersonSentenced
        occurredOn: "2016-11-28"
        data: {kind: IMPRISONMENT, termMonths: 60, articles: ["174"]}
        sources: [odf-2020-kz-report]   # ids from sources.yaml
      - id: 9a1e…
        type: PersonReleased
        occurredOn: 2019/2020           # as the source says: an interval, '../2020-02-17', '2007~'
        note: Section 3 says parole "between 2019-2020"; Section 2 says acquittal in 2020-01.
        disputes: [5b7c…]               # ids of events (any stream) this account contradicts
        data: {grounds: PAROLE}
        sources: [odf-2020-kz-report]

Events are appended in file order, so a file's order is its stream's version order; an event
that disputes an event of a later file waits for it (``loader.dispute_order``).
``events/schemas/stream-file.json`` describes a stream file.

Reading checks a file's shape and each event's fields (id, date, sources, note); the event
types' schemas are checked once, by the service the loader appends through, and
:func:`locate_invalid` finds the file and line of an event the service refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ledger.domain.errors import LedgerError
from ledger.domain.new_event import NewEvent, parse_new_event, validate_event
from ledger.domain.source import Source

SOURCES_FILE = "sources.yaml"


class DatasetError(Exception):
    """A data file that cannot be loaded: names the file, line, event and field."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class StreamFile:
    path: Path
    stream_id: str
    events: tuple[NewEvent, ...]
    #: 1-based line where each event begins (None where the file gives none), for errors
    lines: tuple[int | None, ...]


@dataclass(frozen=True)
class Dataset:
    sources: dict[str, Source]
    streams: tuple[StreamFile, ...]

    @property
    def event_count(self) -> int:
        return sum(len(s.events) for s in self.streams)


#: libyaml's loader when PyYAML was built with it (many times faster), else the pure-Python one
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, resolving tags with less Python per node. PyYAML resolves every node's
    tag in Python, even when libyaml parses: a plain scalar (is it a number, a date, a
    boolean?) by trying regular expressions on it, and it walks its path resolvers, of which
    the safe loader has none, at every node; this cost a third of reading a data set. Without
    path resolvers a node's tag depends on its kind and, for a plain scalar, on its text alone:
    so a quoted scalar, a list and a mapping get the default tag at once, and each distinct
    plain scalar of a file is resolved once (keys and values repeat at every event)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[str, str] = {}

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to follow: the safe loader has no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to follow: the safe loader has no path resolvers."""

    def resolve(self, kind: Any, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.MappingNode:
            return str(self.DEFAULT_MAPPING_TAG)
        if kind is yaml.SequenceNode:
            return str(self.DEFAULT_SEQUENCE_TAG)
        if not implicit[0]:
            return str(self.DEFAULT_SCALAR_TAG)
        tag = self._tags.get(value)
        if tag is None:
            tag = self._tags[value] = str(super().resolve(kind, value, implicit))
        return tag


assert not _Loader.yaml_path_resolvers, "the loader's shortcuts hold without path resolvers"

_LOADER: Any = _Loader
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map"))


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for line numbers), from one parse."""
    try:
        loader = _LOADER(path.read_text(encoding="utf-8"))
        try:
            root = loader.get_single_node()
            if root is None:
                return None, None
            try:
                return _plain(root, loader, set()), root
            except _Unusual:
                return loader.construct_document(root), root
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DatasetError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from None
    except OSError as exc:
        raise DatasetError(path, f"cannot read: {exc.strerror}") from None


class _Unusual(Exception):
    """A node :func:`_plain` leaves to PyYAML's own constructor."""


def _plain(node: yaml.Node, loader: Any, seen: set[int]) -> Any:
    """The value of a tree of plain mappings, lists and scalars, built directly: PyYAML's
    generic constructor costs more than libyaml's parse. Aliases, merge keys and explicit
    collection tags raise :class:`_Unusual`, and the caller lets PyYAML build the document."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR else loader.construct_object(node)
    if id(node) in seen:
        raise _Unusual
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_plain(item, loader, seen) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise _Unusual
            mapping[key_node.value] = _plain(value_node, loader, seen)
        return mapping
    raise _Unusual


def _item_lines(root: yaml.Node | None, key: str) -> list[int]:
    """1-based line of each item of the top-level sequence ``key``, for error messages."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value_node.value]
    return []


def read_sources(path: Path) -> dict[str, Source]:
    document, root = load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise DatasetError(path, "expected a top-level 'sources:' list")
    lines = _item_lines(root, "sources")
    sources: dict[str, Source] = {}
    for index, item in enumerate(document["sources"]):
        line = lines[index] if index < len(lines) else None
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise DatasetError(path, f"source #{index + 1} needs an 'id'", line)
        source_id = item["id"]
        if source_id in sources:
            raise DatasetError(path, f"source id '{source_id}' is listed twice", line)
        fields = {k: (str(v) if k == "published" else v) for k, v in item.items() if k != "id"}
        try:
            sources[source_id] = Source.model_validate(fields)
        except Exception as exc:
            raise DatasetError(path, f"source '{source_id}': {exc}", line) from None
    return sources


def stream_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.yaml")):
        relative = path.relative_to(root)
        if relative.parts[0] == "schemas" or relative.as_posix() == SOURCES_FILE:
            continue
        yield path


def read_stream_file(path: Path, sources: dict[str, Source]) -> StreamFile:
    """A stream file's events, their fields checked; their data is checked by the append."""
    document, root = load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("stream"), str):
        raise DatasetError(path, "expected 'stream: <stream id>' at the top")
    events_raw = document.get("events")
    if not isinstance(events_raw, list) or not events_raw:
        raise DatasetError(path, "expected a non-empty 'events:' list")
    stream_id = document["stream"]
    found = _item_lines(root, "events")
    lines = [found[index] if index < len(found) else None for index in range(len(events_raw))]
    events: list[NewEvent] = []
    for index, (raw, line) in enumerate(zip(events_raw, lines, strict=True)):
        label = _label(index, raw)
        try:
            if not isinstance(raw, dict):
                raise DatasetError(path, f"{label}: must be a mapping", line)
            if not raw.get("id"):
                raise DatasetError(path, f"{label}: needs a stable 'id' (a UUID)", line)
            resolved = dict(raw)
            if "occurredOn" in resolved and resolved["occurredOn"] is not None:
                resolved["occurredOn"] = str(resolved["occurredOn"])
            resolved["sources"] = _resolve_sources(raw.get("sources"), sources, path, label, line)
            events.append(parse_new_event(resolved))
        except LedgerError as exc:
            raise DatasetError(path, f"{label}: {exc}", line) from None
    return StreamFile(path=path, stream_id=stream_id, events=tuple(events), lines=tuple(lines))


def _label(index: int, raw: Any) -> str:
    label = f"event #{index + 1}"
    if isinstance(raw, dict) and raw.get("id"):
        label += f" ({raw['id']})"
    return label


def _resolve_sources(
    ids: Any, sources: dict[str, Source], path: Path, label: str, line: int | None
) -> list[Source]:
    if not isinstance(ids, list) or not ids:
        raise DatasetError(path, f"{label}: sources: list at least one source id", line)
    resolved = []
    for source_id in ids:
        if source_id not in sources:
            raise DatasetError(
                path, f"{label}: sources: '{source_id}' is not in {SOURCES_FILE}", line
            )
        resolved.append(sources[source_id])
    return resolved


def read_dataset(root: Path) -> Dataset:
    """Parse and validate the whole data set; a bad file raises before anything is stored."""
    if not root.is_dir():
        raise DatasetError(root, "no such data set folder")
    sources_path = root / SOURCES_FILE
    sources = read_sources(sources_path) if sources_path.exists() else {}
    streams = [read_stream_file(path, sources) for path in stream_files(root)]
    seen: dict[str, Path] = {}
    for stream in streams:
        if stream.stream_id in seen:
            raise DatasetError(
                stream.path, f"stream '{stream.stream_id}' is also in {seen[stream.stream_id]}"
            )
        seen[stream.stream_id] = stream.path
    return Dataset(sources=sources, streams=tuple(streams))


def locate_invalid(dataset: Dataset) -> None:
    """Raise a :class:`DatasetError` naming the file, line, event and field of the first event
    (in file order) that fails its type's schema; return if every event passes.

    The append validates each event once and cannot say which file an event came from; when it
    refuses one, the loader asks here where it is."""
    for stream in dataset.streams:
        for index, (event, line) in enumerate(zip(stream.events, stream.lines, strict=True)):
            try:
                validate_event(event, stream.stream_id)
            except LedgerError as exc:
                label = _label(index, {"id": event.id})
                raise DatasetError(stream.path, f"{label}: {exc}", line) from None
