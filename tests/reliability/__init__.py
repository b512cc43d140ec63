"""The reliability suite: generated operations against the real app, to keep the hardening held.

A package (not loose modules) so its helpers import as ``reliability.<module>`` without clashing
with another test directory's module names.
"""
