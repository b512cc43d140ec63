"""Hosting plugins: loading them (default plugins first, then entry points), calling their hooks
through pluggy, composing what they contribute and checking that it fits, and the demo data."""
