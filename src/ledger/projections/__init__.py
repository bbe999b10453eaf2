"""Bitemporal projections of person and recommendation streams, kept in step with the log."""
