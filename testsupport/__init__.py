"""Helpers shared by tests/ and plugins/<name>/tests: importable as ``testsupport.<module>`` because
pytest puts the repository root on sys.path (``pythonpath`` in pyproject.toml). Not part of the
installed package."""
