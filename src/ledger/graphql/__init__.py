"""The public GraphQL API: the contract's schema, served at /graphql by the FastAPI app."""
