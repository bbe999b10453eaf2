"""requirements.lock is what `make` installs: it must still say what pyproject.toml asks for.

Offline checks (no package index): every direct requirement, test extras included, is pinned
at a version its specifier admits, with hashes, and the lock names no direct requirement that
pyproject.toml dropped. `make lock-check` (in .ci/run) re-resolves and diffs as well.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT

PROJECT = "ledger (pyproject.toml)"
FIX = "run 'make lock' and commit requirements.lock"


@dataclass
class Pin:
    version: Version
    hashes: int = 0
    via: set[str] = field(default_factory=set)


def _locked() -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        stripped = line.strip().rstrip("\\").strip()
        if pinned := re.match(r"^([A-Za-z0-9._-]+)==([^ ;]+)", line):
            current = pins[canonicalize_name(pinned[1])] = Pin(Version(pinned[2]))
        elif current and stripped.startswith("--hash=sha256:"):
            current.hashes += 1
        elif current and (via := re.match(r"^#\s+(?:via\s+)?(.+)$", stripped)):
            current.via.add(via[1])
    return pins


def _direct() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(text) for text in listed]


def test_every_direct_requirement_is_pinned_at_a_version_it_admits() -> None:
    pins = _locked()
    for requirement in _direct():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock: {FIX}"
        pin = pins[name]
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"requirements.lock pins {name}=={pin.version}, outside '{requirement}': {FIX}"
        )
        assert PROJECT in pin.via, f"requirements.lock does not list {name} as direct: {FIX}"


def test_the_lock_names_no_direct_requirement_that_pyproject_dropped() -> None:
    direct = {canonicalize_name(requirement.name) for requirement in _direct()}
    stale = {name for name, pin in _locked().items() if PROJECT in pin.via} - direct
    assert not stale, f"requirements.lock still has {sorted(stale)} as direct: {FIX}"


def test_every_pin_carries_hashes_so_pip_checks_each_file() -> None:
    unhashed = [name for name, pin in _locked().items() if pin.hashes == 0]
    assert not unhashed


def test_the_lock_holds_the_advisory_fixed_releases() -> None:
    pins = _locked()
    assert pins["strawberry-graphql"].version >= Version("0.323.2")
    assert pins["starlette"].version >= Version("1.0.1")
    assert pins["h11"].version >= Version("0.16")
