"""Persisted operations, in the wire format of Apollo's automatic persisted queries (APQ).

A request may carry ``extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}``:

- with the hash alone, the gateway runs the query it holds under that hash, or answers
  ``PERSISTED_QUERY_NOT_FOUND`` (message ``PersistedQueryNotFound``, which Apollo clients key on)
  so that the client resends the hash with the query;
- with the hash and the query, the hash must be the query's sha256; the gateway then keeps the
  query in a bounded in-process LRU (``apq_cache_size``) for later hash-only requests.

Separately, an API client can be *restricted* (``credit-gateway clients restrict``): it may then run
only the operations registered for it in ``persisted_operation``, sent by hash or in full; any
other operation is ``PERSISTED_QUERY_NOT_ALLOWED``. The registered text is what runs, so a
restricted client cannot vary a registered operation.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from graphql import OperationDefinitionNode, parse
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension

from gateway.auth.principal import PUBLIC, Principal
from gateway.db.tables import api_client, persisted_operation
from gateway.kernel.errors import BAD_REQUEST, GatewayError

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
APQ_VERSION = 1


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class QueryStore:
    """A bounded LRU of query texts by sha256; size 0 keeps nothing (APQ off)."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._items: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        query = self._items.get(digest)
        if query is not None:
            self._items.move_to_end(digest)
        return query

    def put(self, digest: str, query: str) -> None:
        if self.max_size <= 0:
            return
        self._items[digest] = query
        self._items.move_to_end(digest)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def _requested_hash(extensions: object) -> str | None:
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != APQ_VERSION:
        raise GatewayError(f"Unsupported persisted query; version {APQ_VERSION} is supported", BAD_REQUEST)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise GatewayError("persistedQuery.sha256Hash must be a hex sha256", BAD_REQUEST)
    return digest.lower()


async def _registered_for(engine: AsyncEngine, client_id: int, digest: str) -> tuple[bool, str | None]:
    """Whether the client is restricted, and its registered query under the hash. One statement."""
    query = (
        sa.select(api_client.c.restricted_to_persisted, persisted_operation.c.query)
        .select_from(
            api_client.outerjoin(
                persisted_operation,
                sa.and_(persisted_operation.c.client_id == api_client.c.id, persisted_operation.c.sha256 == digest),
            )
        )
        .where(api_client.c.id == client_id)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return False, None
    return bool(row.restricted_to_persisted), row.query


class PersistedOperations(SchemaExtension):
    def __init__(self, store: QueryStore) -> None:
        self.store = store

    @classmethod
    def factory(cls, store: QueryStore) -> Callable[[], PersistedOperations]:
        return lambda: cls(store)

    async def on_operation(self) -> AsyncIterator[None]:
        # Runs before strawberry looks for the query text, so a hash-only request gets its text here.
        ctx = self.execution_context
        principal: Principal = getattr(ctx.context, "principal", PUBLIC)
        digest = _requested_hash(ctx.operation_extensions)
        if digest is not None and ctx.query is not None and sha256_hex(ctx.query) != digest:
            raise GatewayError("provided sha does not match query", BAD_REQUEST)
        key = digest or (sha256_hex(ctx.query) if ctx.query is not None else None)
        if principal.client_id is not None and key is not None:
            restricted, registered = await _registered_for(ctx.context.engine, principal.client_id, key)
            if restricted:
                if registered is None:
                    raise GatewayError(
                        "This client may run only its registered operations", PERSISTED_QUERY_NOT_ALLOWED
                    )
                ctx.query = registered
                yield
                return
        if digest is not None and ctx.query is None:
            stored = self.store.get(digest)
            if stored is None:
                raise GatewayError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            ctx.query = stored
        yield
        if digest is not None and ctx.graphql_document is not None:
            # Only documents that parsed are kept: junk cannot evict useful entries as cheaply.
            self.store.put(digest, ctx.query or "")


def operation_text(text: str, source: str) -> str:
    """A file's operation as it is registered (surrounding whitespace removed); ValueError unless it
    parses and holds exactly one operation."""
    query = text.strip()
    try:
        document = parse(query)
    except Exception as exc:  # graphql-core's syntax error, with position
        raise ValueError(f"{source}: {exc}") from exc
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ValueError(f"{source}: a file must hold exactly one operation, found {len(operations)}")
    return query


async def restrict_client(engine: AsyncEngine, client_id: int, queries: Iterable[str]) -> list[str]:
    """Register operations for a client and restrict it to them; returns their sha256 ids.
    Registering an operation twice is a no-op."""
    digests: list[str] = []
    async with engine.begin() as conn:
        found = (await conn.execute(sa.select(api_client.c.id).where(api_client.c.id == client_id))).first()
        if found is None:
            raise ValueError(f"no client with id {client_id}")
        existing = set(
            (
                await conn.execute(
                    sa.select(persisted_operation.c.sha256).where(persisted_operation.c.client_id == client_id)
                )
            ).scalars()
        )
        for query in queries:
            digest = sha256_hex(query)
            digests.append(digest)
            if digest not in existing:
                existing.add(digest)
                await conn.execute(
                    persisted_operation.insert().values(
                        client_id=client_id, sha256=digest, query=query, created_at=datetime.now(UTC)
                    )
                )
        await conn.execute(api_client.update().where(api_client.c.id == client_id).values(restricted_to_persisted=True))
    return digests
