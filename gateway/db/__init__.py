"""Database access: the core tables, the engine, and migrations."""
