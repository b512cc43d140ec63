"""The GraphQL graph: core types, request context, and the schema composed from plugins."""
