"""The event store adapter: tables, engine set-up and the append-only, hash-chained log."""
