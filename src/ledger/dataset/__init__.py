"""The human-editable data set in ``events/``: YAML files, one per stream, and a source list."""
