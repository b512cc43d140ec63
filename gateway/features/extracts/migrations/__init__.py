"""The extracts feature's Alembic history (version table alembic_version_core_extracts)."""
