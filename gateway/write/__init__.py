"""The write path: the shared submission pipeline, item validation, the envelope reader plugins use,
bulk import, and the demo seeding mode."""
