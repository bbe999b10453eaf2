"""Fetch the pinned browser packages from the npm registry and check (or rewrite) the vendored
copies under src/ledger/web/static/vendor against the digests in ledger.web.vendored.

    .venv/bin/python tools/vendor_assets.py           # fetch, compare, exit 1 on any difference
    .venv/bin/python tools/vendor_assets.py --write   # fetch and overwrite the vendored files

To move to a new version: change it in ledger/web/vendored.py, run with --write, and put the
printed digests into that file (the tests refuse files whose digest is not the recorded one).
Needs npm; `npm pack` checks each tarball against the registry's own integrity hash.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ledger.web.vendored import VENDOR_DIR, VENDORED


def sha384(data: bytes) -> str:
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def fetch(package: str, version: str, into: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    return into / out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="overwrite the vendored files")
    write = parser.parse_args().write
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        tarballs: dict[tuple[str, str], Path] = {}
        for file in VENDORED:
            key = (file.package, file.version)
            if key not in tarballs:
                tarballs[key] = fetch(file.package, file.version, Path(tmp))
            with tarfile.open(tarballs[key]) as tar:
                member = tar.extractfile(file.source)
                assert member is not None, f"{file.source} missing from {file.package}"
                data = member.read()
            digest = sha384(data)
            target = VENDOR_DIR / file.name
            if write:
                target.write_bytes(data)
            same = digest == file.sha384 and target.read_bytes() == data
            failures += not same
            print(f"{'ok ' if same else 'DIFF'} {file.name} {file.package}@{file.version} {digest}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
