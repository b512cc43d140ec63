"""Relay-style connections with opaque keyset cursors and bounded page sizes."""

import base64
import binascii
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from gateway.kernel.errors import BadUserInput, LimitExceeded
from gateway.kernel.limits import MAX_CURSOR_LENGTH

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    """Validate ``first``: every page has a ceiling, so no request allocates without bound."""
    if first is None:
        return default
    if first < 0:
        raise BadUserInput("first must not be negative", argument="first")
    if first > maximum:
        raise LimitExceeded("first", first, maximum)
    return first


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def encode_cursor(*key: Any) -> str:
    """The opaque cursor of a page's keyset: its values as a JSON array, in URL-safe base64."""
    # base64.urlsafe_b64encode's own steps (b2a_base64, then translate), without its Python wrappers:
    # every edge of every page has a cursor.
    return binascii.b2a_base64(orjson.dumps(key), newline=False).translate(_URL_SAFE).decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The key a cursor holds, or a BAD_USER_INPUT error for anything we did not issue."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, list) or len(key) != arity:
            raise ValueError("wrong shape")
    except (ValueError, orjson.JSONDecodeError, TypeError) as exc:
        raise BadUserInput("after is not a cursor this API issued", argument="after") from exc
    return key


def connection_from_rows(rows: list[Any], size: int, make_node: Any, cursor_key: Any) -> Any:
    """Build a connection from ``size + 1`` fetched rows (the extra one only tells there is more)."""
    page = rows[:size]
    edges = [Edge(cursor=encode_cursor(*cursor_key(row)), node=make_node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None),
    )


async def newest_first_page(
    info: Any, query: Any, id_column: Any, first: int | None, after: str | None, make_node: Any
) -> Any:
    """One page of ``query``, newest (highest id) first, keyset on ``id_column``, bounded by the settings.

    The workflow and audit lists all page this way: ids only grow, so the cursor is the last id seen.
    """
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    if after is not None:
        (last_id,) = decode_cursor(after, 1)
        if not isinstance(last_id, int):
            raise BadUserInput("after is not a cursor this API issued", argument="after")
        query = query.where(id_column < last_id)
    query = query.order_by(id_column.desc()).limit(size + 1)
    async with info.context.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return connection_from_rows(rows, size, make_node, lambda row: (row.id,))
