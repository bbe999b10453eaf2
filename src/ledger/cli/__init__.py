"""The ``ledger`` command line for operators (typer + rich)."""
