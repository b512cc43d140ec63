"""Strawberry schema extensions of every audience's schema, one job each: limits, caches, the error
policy, operation choice, text checks, the admin's query plan."""
