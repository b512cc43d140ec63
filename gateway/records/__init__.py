"""The record envelope's meaning: its enums, and publicity (which records are published today, and
the SQL that says so)."""
