"""Ledger: an event-sourced, bitemporal record of human-rights accountability."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for:
    importing ``importlib.metadata`` cost every command at start-up (`ledger load` included)
    what only ``--version``, the app's OpenAPI document and the health check use."""
    if name != "__version__":
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("ledger")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
