"""Ledger: an event-sourced, bitemporal record of human-rights accountability."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ledger")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
