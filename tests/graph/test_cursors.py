"""Cursors keep one format: a cursor issued before a release must still page after it."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from gateway.graph.pagination import decode_cursor, encode_cursor

KEYS: list[tuple[Any, ...]] = [
    ("2025-01-01", 10),
    (1,),
    ("a/b+c?", 2**40, -3),
    ("高",),
    (">>>",),  # standard base64 has a "+" here, URL-safe a "-"
    ("?>?", 0),  # and a "/" here, URL-safe a "_"
    (None, True, 1.5),
]


def test_the_keys_cover_both_characters_url_safe_base64_replaces() -> None:
    standard = "".join(base64.b64encode(orjson.dumps(list(key))).decode() for key in KEYS)
    assert "+" in standard and "/" in standard


@pytest.mark.parametrize("key", KEYS)
def test_a_cursor_is_its_key_as_a_json_array_in_url_safe_base64(key: tuple[Any, ...]) -> None:
    cursor = encode_cursor(*key)
    assert cursor == base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()
    assert decode_cursor(cursor, len(key)) == list(key)
