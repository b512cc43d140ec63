"""Principals: who is asking, from an API key (``Authorization: Bearer <key>``)."""
