"""How a gateway's response is compared with a case's expected result.

`data` must be equal: lists in the same order (GraphQL defines list order), objects with the same keys
(a JSON object's key order is not compared). `errors` are compared as a set, because GraphQL does not
order them: there must be as many as expected, and each expected error is a pattern that one actual
error matches: the keys written in it (`message`, `path`, `locations`, and each key written in
`extensions`) must be equal, the keys left out are not compared. A case leaves out what the spec
leaves to the gateway (the message of an error the gateway raises itself, locations, extra extensions).
"""

from __future__ import annotations

from typing import Any

MISSING = object()


def error_matches(pattern: dict[str, Any], actual: dict[str, Any]) -> bool:
    for key, wanted in pattern.items():
        if key == "extensions":
            extensions = actual.get("extensions") or {}
            if any(extensions.get(name, MISSING) != value for name, value in wanted.items()):
                return False
        elif actual.get(key, MISSING) != wanted:
            return False
    return True


def mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between an expected result and a response; empty when they agree."""
    problems = []
    if ("data" in expected) != ("data" in actual) or expected.get("data") != actual.get("data"):
        problems.append(f"data: expected {expected.get('data', '<absent>')!r}, got {actual.get('data', '<absent>')!r}")
    wanted, got = expected.get("errors", []), list(actual.get("errors", []))
    if len(wanted) != len(got):
        problems.append(f"errors: expected {len(wanted)}, got {len(got)}: {got!r}")
        return problems
    for pattern in wanted:
        match = next((error for error in got if error_matches(pattern, error)), None)
        if match is None:
            problems.append(f"errors: none of {got!r} matches {pattern!r}")
        else:
            got.remove(match)
    return problems
