"""The pure core: event types, partial dates and folds. Imports no database, web or CLI code."""
