"""What a request's checks compute from its parsed document alone, kept per document object.

The parse cache (gateway.server.extensions.operation_cache) hands out one DocumentNode per distinct query text,
so a document's identity is a cheap and exact key: hashing a DocumentNode walks the whole tree
(strawberry's ValidationCache does that on every request). Validation errors, the limits' measure
and the first refused string literal depend only on the document (and, for the measure, on the
values of the variables that size a list), so each is computed once per document.

The memo is bounded (least recently used dropped), and each entry holds its document, so an id is
never reused while it is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
MEMO_SIZE = 1_000  # as many documents as the parse cache keeps


class DocumentMemo:
    def __init__(self, maxsize: int = MEMO_SIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[int, tuple[Any, dict[Hashable, Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, document: Any, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for this document and key, computed on first use."""
        entry = self._entries.get(id(document))
        if entry is None or entry[0] is not document:
            entry = (document, {})
            self._entries[id(document)] = entry
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(id(document))
        values = entry[1]
        try:
            return values[key]
        except KeyError:
            values[key] = value = compute()
            return value


DOCUMENTS = DocumentMemo()
