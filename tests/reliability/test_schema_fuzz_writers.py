"""The schema-driven fuzz (reliability/fuzzing.py) of the audiences that may write (subject, department, admin):
a file of their own, so that parallel workers share the fuzz, and a seeded gateway of their own."""

from reliability.fuzzing import WRITERS, audience_test, error_log, gateway

__all__ = ["error_log", "gateway"]  # the fixtures the test uses, from where they are defined
test_generated_operations_never_crash = audience_test(WRITERS)
