"""Serving: the Starlette app, the ASGI middleware, the request context and its loaders, the schema
assembled per audience, its extensions, GraphiQL and observability endpoints."""
