"""Queries the GraphQL and REST layers call: state at (asOf, knownAt), lists, counts, diffs."""
