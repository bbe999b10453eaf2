"""The README's examples, read from its fenced blocks, and the answers it shows for them.

Conventions an author follows so that an example is run and its answer checked:

* A ```graphql block holding an operation is an example (SDL blocks are not). Its answer, if
  shown, is a ```json block right after it.
* In a ```sh block, a ``curl`` command (``\\`` continues it) against http://127.0.0.1:8000 is
  an example; its answer, if shown, is the ``#`` comment lines right under it: optionally
  ``# HTTP 404`` first, then the JSON body. ``$TOKEN`` is an editor's token (``$ADMIN_TOKEN``:
  an admin's).
* In a shown answer, ``"…"`` stands for any value, ``…`` inside a string for any text, a last
  list item ``"…"`` for any further items, and a key ``"…"`` for any further keys. Everything
  else must be equal.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import OperationDefinitionNode, OperationType, parse

ELLIPSIS = "…"
BASE_URL = "http://127.0.0.1:8000"
_FENCE = re.compile(r"^```(\w*)\s*$")
_STATUS = re.compile(r"^HTTP(?:/[\d.]+)?\s+(\d{3})\b")
_VARIABLE = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)\}?")


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # of the opening fence, 1-based
    end: int  # of the closing fence
    text: str


@dataclass
class Expected:
    body: Any
    status: int | None = None


@dataclass
class GraphQLExample:
    line: int
    query: str
    answer: Expected | None

    @property
    def writes(self) -> bool:
        document = parse(self.query)
        return any(
            isinstance(node, OperationDefinitionNode) and node.operation is OperationType.MUTATION
            for node in document.definitions
        )


@dataclass
class CurlExample:
    line: int
    command: str
    method: str = "GET"
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    answer: Expected | None = None

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    opened: tuple[str, int] | None = None
    lines: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if opened is None:
            if fence := _FENCE.match(line):
                opened, lines = (fence[1], number), []
        elif line.strip() == "```":
            found.append(Block(opened[0], opened[1], number, "\n".join(lines)))
            opened = None
        else:
            lines.append(line)
    return found


def _is_operation(text: str) -> bool:
    try:
        document = parse(text)
    except Exception:
        return False
    return all(isinstance(node, OperationDefinitionNode) for node in document.definitions)


def graphql_examples(markdown: str) -> list[GraphQLExample]:
    found = blocks(markdown)
    examples = []
    for index, block in enumerate(found):
        if block.language != "graphql" or not _is_operation(block.text):
            continue
        answer = None
        following = found[index + 1] if index + 1 < len(found) else None
        if following and following.language == "json" and following.line - block.end <= 3:
            answer = Expected(body=json.loads(following.text))
        examples.append(GraphQLExample(block.line, block.text, answer))
    return examples


def curl_examples(markdown: str) -> list[CurlExample]:
    examples = []
    for block in blocks(markdown):
        if block.language not in ("sh", "bash", "shell", "console"):
            continue
        lines = block.text.splitlines()
        index = 0
        while index < len(lines):
            start = index
            command = lines[index]
            while _continues(command) and index + 1 < len(lines):
                index += 1
                command = command.rstrip().removesuffix("\\") + "\n" + lines[index]
            index += 1
            if not command.lstrip().startswith("curl "):
                continue
            comments = []
            while index < len(lines) and lines[index].lstrip().startswith("#"):
                comments.append(lines[index].lstrip()[1:].strip())
                index += 1
            example = parse_curl(command, block.line + 1 + start)
            example.answer = _shown_answer(comments, example.line)
            examples.append(example)
    return examples


def _continues(command: str) -> bool:
    """A trailing backslash, or a quote still open (a JSON body over several lines)."""
    if command.rstrip().endswith("\\"):
        return True
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return True
    return False


def parse_curl(command: str, line: int) -> CurlExample:
    words = shlex.split(command, comments=True)
    example = CurlExample(line=line, command=command)
    words = words[1:]
    while words:
        word = words.pop(0)
        if word in ("-s", "--silent", "-S", "--show-error", "-f", "--fail", "-i", "--include"):
            continue
        if word in ("-X", "--request"):
            example.method = words.pop(0).upper()
        elif word in ("-H", "--header"):
            name, _, value = words.pop(0).partition(":")
            example.headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw", "--json"):
            example.body = words.pop(0)
            if word == "--json":
                example.headers.setdefault("Content-Type", "application/json")
            if example.method == "GET":
                example.method = "POST"
        elif word in ("-I", "--head"):
            example.method = "HEAD"
        elif word.startswith(BASE_URL):
            example.path = word.removeprefix(BASE_URL)
        else:
            raise ValueError(f"README.md line {line}: the checker does not know curl's {word!r}")
    if not example.path:
        raise ValueError(f"README.md line {line}: no {BASE_URL} URL in {command!r}")
    return example


def _shown_answer(comments: list[str], line: int) -> Expected | None:
    status = None
    if comments and (matched := _STATUS.match(comments[0])):
        status = int(matched[1])
        comments = comments[1:]
    text = "\n".join(comments).strip()
    if not text.startswith(("{", "[")):
        return Expected(body=ELLIPSIS, status=status) if status is not None else None
    try:
        return Expected(body=json.loads(text), status=status)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"README.md line {line}: the answer shown under the curl is not JSON ({exc});"
            f" write it as JSON, with {ELLIPSIS} for what varies"
        ) from None


def variables(text: str) -> set[str]:
    return set(_VARIABLE.findall(text))


def mismatch(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Where ``actual`` differs from the shown ``expected`` (None: it matches)."""
    if expected == ELLIPSIS:
        return None
    if isinstance(expected, str) and ELLIPSIS in expected and isinstance(actual, str):
        pattern = ".*".join(re.escape(part) for part in expected.split(ELLIPSIS))
        return None if re.fullmatch(pattern, actual, re.DOTALL) else f"{path}: {actual!r}"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: {actual!r} is not an object"
        shown = {key: value for key, value in expected.items() if key != ELLIPSIS}
        missing = set(shown) - set(actual)
        if missing:
            return f"{path}: no {sorted(missing)} in {sorted(actual)}"
        extra = set(actual) - set(shown)
        if extra and ELLIPSIS not in expected:
            return f'{path}: also has {sorted(extra)} (show them, or add "{ELLIPSIS}": "…")'
        for key, value in shown.items():
            if found := mismatch(value, actual[key], f"{path}.{key}"):
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: {actual!r} is not a list"
        open_ended = bool(expected) and expected[-1] == ELLIPSIS
        shown = expected[:-1] if open_ended else expected
        if len(actual) < len(shown) or (not open_ended and len(actual) != len(shown)):
            return f"{path}: {len(actual)} items, the README shows {len(shown)}"
        for index, value in enumerate(shown):
            if found := mismatch(value, actual[index], f"{path}[{index}]"):
                return found
        return None
    return None if expected == actual else f"{path}: {actual!r}, the README shows {expected!r}"


def readme(root: Path) -> str:
    return (root / "README.md").read_text(encoding="utf-8")
