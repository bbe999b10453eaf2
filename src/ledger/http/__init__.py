"""HTTP adapters: the FastAPI app's routers, GraphQL, and their shared request context."""
