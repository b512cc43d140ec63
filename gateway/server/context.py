"""The per-request context: who asks, the loaders made for this request, and the composition."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.db.fast_reads import ReadConnection
from gateway.db.tables import subject as subject_table
from gateway.graph.records import SUBJECT_BY_ID
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.hooks.contributions import LoaderSpec
from gateway.kernel.clock import today
from gateway.kernel.divisions import display_code_division
from gateway.kernel.errors import GatewayError
from gateway.kernel.limits import MAX_LOADER_BATCH
from gateway.kernel.rules import PublicityRules
from gateway.kernel.settings import Settings
from gateway.policy.access import needs_subject_division, record_filter
from gateway.records.publicity import current_rules
from gateway.server.read_connection import (
    ReadConnectionPark,
    ReadHandle,
    log_statements,
    open_read_connection_and_driver,
)
from gateway.telemetry.metrics import loader_batch_observer
from gateway.write.submissions import forget_writer_division, write_for_division

if TYPE_CHECKING:
    from gateway.server.schema import Graph

log = logging.getLogger("gateway.db")

_UNKNOWN = object()


class Loaders:
    """One DataLoader per loader spec, made lazily and only for this request (no cross-request cache),
    and the request's one read connection, opened by the first statement and closed by :meth:`close`
    when the request ends (gateway.server.app)."""

    def __init__(
        self,
        specs: Mapping[str, LoaderSpec],
        engine: AsyncEngine,
        *,
        record_loaders: frozenset[str] = frozenset(),
        derived: Mapping[str, tuple[str, Callable[[Sequence[Any]], Any]]] | None = None,
        principal: Principal | None = None,
        day: dt.date | None = None,
        rules: PublicityRules | None = None,
        park: ReadConnectionPark | None = None,
    ) -> None:
        self._specs = specs
        self._engine = engine
        self._made: dict[str, DataLoader] = {}
        self._batches: dict[str, Any] = {}  # name → the batch function (one statement per call)
        self._loaded: dict[str, dict[Any, Any]] = {}  # name → key → value, for this request
        # One load of a loader at a time, so that two loads of one level (a batch form and a per-key
        # DataLoader, say) never ask for the same keys twice: the second finds them loaded.
        self._loading: dict[str, asyncio.Lock] = {}
        # Record sources pass through the publication filter here, so a plugin's own fields and the
        # cross-domain records field show the same rows, and no plugin can forget the filter.
        self._record_loaders = record_loaders
        # Loaders whose values follow from a record loader's (FactSource.from_records): name → (record
        # loader, one key's records → its value). Their records are the record loader's unfiltered values
        # for this request, kept in _unfiltered: read once for a profile and its facts alike.
        self._derived = derived or {}
        self._unfiltered: dict[str, dict[Any, Any]] = {source: {} for source, _ in self._derived.values()}
        self._principal = principal
        # The request's day and publicity rules, handed in by the request context (gateway.server.app);
        # without them (a loader used outside a request), today's date and the default rules.
        self._day = day
        self._rules = rules
        self._record_filter: Any = None
        # Subjects' registration areas by id, for a department bound to a division (see _learn_divisions).
        self._subject_divisions: dict[int, str | None] = {}
        self._own_subject_id: object = _UNKNOWN
        self._connection: AsyncConnection | None = None
        self._reader: AsyncConnection | None = None  # what connection() hands out (see there)
        # A serving process lends read connections kept between requests (gateway.server.read_connection);
        # one goes back to the park only if every statement on it ran to the end.
        self._park = park
        self._handle: ReadHandle | None = None
        self._clean = True
        self._closed = False
        self._on_close: list[Callable[[], None]] = []
        # (SQL, milliseconds) of each statement on the read connection, when someone asked for it
        # before the first statement (an admin's query plan: gateway.server.extensions.plan_header).
        self.statement_log: list[tuple[str, float]] | None = None
        # asyncpg runs one statement at a time per connection (it refuses a second); the loaders of one
        # level run concurrently (asyncio.gather), so they take turns.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """The request's read connection, for the time of a few statements: ``async with
        info.context.loaders.connection() as conn: rows = (await conn.execute(query)).all()``.

        One connection serves the whole request (loaders and list queries alike), taken from the pool
        when first needed. Others wait while you hold it, so hold it only around your statements: do
        not await a loader inside (that waits for the connection you hold). Reads only: a mutation
        writes in its own transaction (``engine.begin()``).
        """
        async with self._lock:
            if self._closed:
                # Work left running after the answer (graphql-core settles a nulled object's other
                # fields in the background) must not take a connection nobody would give back.
                raise RuntimeError("this request is answered; its read connection is closed")
            if self._connection is None:
                if self._park is not None:
                    self._handle = await self._park.take()
                    self._connection, raw = self._handle.connection, self._handle.raw
                else:
                    self._connection, raw = await open_read_connection_and_driver(self._engine)
                # On PostgreSQL, repeated SELECTs skip SQLAlchemy's per-statement work (gateway.db.fast_reads);
                # the wrapper is an AsyncConnection to its callers in every other respect.
                self._reader = (
                    cast(AsyncConnection, await ReadConnection.wrap(self._connection, raw))
                    if raw is not None
                    else self._connection
                )
                if self.statement_log is not None:
                    log_statements(self._connection, self.statement_log)
            assert self._reader is not None
            try:
                yield self._reader
            except GatewayError:
                raise  # refused input: the connection is as it was
            except BaseException:
                self._clean = False  # a failed or cancelled statement, perhaps: not lent again
                raise

    async def close(self) -> None:
        """Give the read connection back to the pool, if the request took one. Never raises: the
        request's own outcome (an outage's 503 among them) must not be replaced by a failed close."""
        connection, self._connection, self._reader = self._connection, None, None
        self._closed = True
        for undo in self._on_close:
            undo()
        self._on_close.clear()
        # The DataLoaders' batch functions are closures over this object, so the loaders and what they
        # loaded (every record of the request) form a reference cycle that only the cyclic collector
        # would free, some requests later: let go of them now, and reference counting frees them.
        self._made.clear()
        self._batches.clear()
        self._loaded.clear()
        self._loading.clear()
        for kept in self._unfiltered.values():
            kept.clear()
        if connection is None:
            return
        handle, self._handle = self._handle, None
        if self._park is not None and handle is not None:
            # Work still holding the connection (left running after the answer) keeps it from the park.
            await self._park.give_back(handle, clean=self._clean and not self._lock.locked())
            return
        try:
            await connection.close()
        except Exception as exc:  # a dead connection: the pool has already invalidated it
            log.warning("closing the request's read connection failed: %r", exc)

    def on_close(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` (which must not raise) when the request ends: request-scoped settings are undone."""
        self._on_close.append(undo)

    def get(self, name: str) -> DataLoader:
        loader = self._made.get(name)
        if loader is None:
            batch = self._batch_of(name)
            loader = DataLoader(batch_load_fn=self._remembering(name, batch), max_batch_size=MAX_LOADER_BATCH)
            self._made[name] = loader
        return loader

    def _batch_of(self, name: str) -> Any:
        """The loader's batch function for this request, made when first needed. The DataLoader itself is
        made only by :meth:`get`: the planned engine's :meth:`load_all` never needs one."""
        batch = self._batches.get(name)
        if batch is None:
            spec = self._specs.get(name)
            if spec is None:
                raise KeyError(f"No loader named {name!r}; declared: {', '.join(sorted(self._specs))}")
            derived = self._derived.get(name)
            batch = self._batches[name] = self._batch(spec) if derived is None else self._derived_batch(name, *derived)
            self._loading[name] = asyncio.Lock()
        return batch

    async def load(self, name: str, key: Any) -> Any:
        return await self.get(name).load(key)

    async def load_all(self, name: str, keys: Sequence[Any]) -> list[Any]:
        """The values of ``keys`` (in order, repeats allowed) with one call of the loader's batch
        function for the keys this request has not loaded yet (one per 1,000 keys): the planned
        engine's way to load a whole level, with no future per key. Values loaded either way (here
        or through ``get(name).load``) are kept for the request and not asked for again."""
        batch = self._batch_of(name)
        known = self._loaded.setdefault(name, {})
        if not known.keys() >= set(keys):  # some key not loaded yet (a set test: no call per key)
            async with self._loading[name]:
                missing = list(dict.fromkeys(key for key in keys if key not in known))
                for start in range(0, len(missing), MAX_LOADER_BATCH):
                    chunk = missing[start : start + MAX_LOADER_BATCH]
                    known.update(zip(chunk, await batch(chunk), strict=True))
        return [known[key] for key in keys]

    def prime(self, name: str, values: Mapping[Any, Any]) -> None:
        """Tell the loader ``name`` the values of keys this request has read already (with a join, say),
        so that neither :meth:`load` nor :meth:`load_all` asks the database for them. A key the request
        has loaded keeps its value (as aiodataloader's ``prime``). Each value must be what the loader's
        own batch function would give for its key.

        Record loaders cannot be primed: their values pass the principal's record filter, which a
        primed value would skip (``ValueError``). Example, the subjects a page joined::

            loaders.prime(SUBJECT_BY_ID, {row.id: row for row in subject_rows})
        """
        self._batch_of(name)  # an undeclared loader: the KeyError load() would raise
        if name in self._record_loaders:
            raise ValueError(f"{name!r} is a record loader: its values pass the record filter, not prime()")
        known = self._loaded.setdefault(name, {})
        for key, value in values.items():
            known.setdefault(key, value)

    def _remembering(self, name: str, batch: Any) -> Any:
        """The DataLoader's batch function: keys that load_all loaded already are not asked again."""
        known = self._loaded.setdefault(name, {})

        async def load_missing(keys: list[Any]) -> list[Any]:
            if any(key not in known for key in keys):
                async with self._loading[name]:
                    missing = [key for key in keys if key not in known]
                    if missing:
                        known.update(zip(missing, await batch(missing), strict=True))
            return [known[key] for key in keys]

        return load_missing

    def _batch(self, spec: LoaderSpec) -> Any:
        filtered = spec.name in self._record_loaders
        unfiltered = self._unfiltered.get(spec.name)  # kept only where a derived loader reads them
        observe_batch_size = loader_batch_observer(spec.name)

        async def batch(keys: list[Any]) -> list[Any]:
            observe_batch_size(len(keys))
            async with self.connection() as connection:
                found = await spec.load(connection, keys)
                shown = await self._shown(connection) if filtered else None
                values = [found.get(key, spec.default) for key in keys]
                if shown is not None:
                    await self._learn_divisions(connection, keys, values)
            if unfiltered is not None:
                unfiltered.update(zip(keys, values, strict=True))
            if shown is None:
                return values
            return [tuple([r for r in value if shown(key, r)]) for key, value in zip(keys, values, strict=True)]

        return batch

    def _derived_batch(self, name: str, source: str, derive: Callable[[Sequence[Any]], Any]) -> Any:
        """The batch function of the loader ``name``, whose values follow from the record loader
        ``source``'s: its records for the keys, loaded through it unless this request has them (then no
        statement), taken before the principal's filter (every key it loads is kept in ``_unfiltered``)."""
        observe_batch_size = loader_batch_observer(name)

        async def batch(keys: list[Any]) -> list[Any]:
            observe_batch_size(len(keys))
            records = self._unfiltered[source]
            await self.load_all(source, keys)
            return [derive(records[key]) for key in keys]

        return batch

    async def _shown(self, connection: Any) -> Any:
        if self._record_filter is None:
            self._record_filter = record_filter(
                self._principal or PUBLIC,
                await self.own_subject_id(connection),
                self._day or today(),
                self._rules or current_rules(),
                self._subject_divisions.get,
            )
        return self._record_filter

    async def _learn_divisions(self, connection: Any, keys: Sequence[Any], values: Sequence[Any]) -> None:
        """The registration areas of the subjects whose records the division filter must place by their
        subject (a department bound to a division; its own domain's records naming no authority's code).
        From subject rows this request loaded already (the entry points load them), else one statement;
        nobody else, and no record with an authority's code, costs anything."""
        principal = self._principal or PUBLIC
        if principal.role is not Role.DEPARTMENT or principal.division_code is None:
            return
        wanted = {
            key
            for key, records in zip(keys, values, strict=True)
            if key not in self._subject_divisions and any(needs_subject_division(principal, r) for r in records)
        }
        if wanted:
            await self.subject_divisions(wanted, connection)

    async def subject_divisions(self, subject_ids: Collection[int], connection: Any = None) -> dict[int, str | None]:
        """Subjects' registration areas by id (None: unknown), from what this request knows already (areas
        learnt for the division filter, subject rows it loaded), else one statement for the rest.
        ``connection``: the request's, when the caller holds it already (a loader batch)."""
        known = self._subject_divisions
        wanted = {sid for sid in subject_ids if sid not in known}
        if wanted:
            for name in (SUBJECT_BY_HASH, SUBJECT_BY_ID):
                for row in self._loaded.get(name, {}).values():
                    if row is not None and row.id in wanted:
                        known[row.id] = display_code_division(row.code_type, row.display_code)
        missing = [sid for sid in wanted if sid not in known]
        if missing:
            table = subject_table
            query = sa.select(table.c.id, table.c.code_type, table.c.display_code).where(table.c.id.in_(missing))
            if connection is None:
                async with self.connection() as conn:
                    rows = (await conn.execute(query)).all()
            else:
                rows = (await connection.execute(query)).all()
            for row in rows:
                known[row.id] = display_code_division(row.code_type, row.display_code)
            for sid in missing:
                known.setdefault(sid, None)  # no such subject: outside every division, and not asked again
        return {sid: known.get(sid) for sid in subject_ids}

    async def own_subject_id(self, connection: Any = None) -> int | None:
        """For a subject principal, its subject's id (one statement, once per request); else None.
        ``connection``: the request's, when the caller holds it already (a loader batch)."""
        principal = self._principal or PUBLIC
        if principal.role is not Role.SUBJECT or not principal.subject_lookup_hash:
            return None
        if self._own_subject_id is _UNKNOWN:
            query = sa.select(subject_table.c.id).where(subject_table.c.lookup_hash == principal.subject_lookup_hash)
            if connection is None:
                async with self.connection() as conn:
                    self._own_subject_id = (await conn.execute(query)).scalar_one_or_none()
            else:
                self._own_subject_id = (await connection.execute(query)).scalar_one_or_none()
        return self._own_subject_id  # type: ignore[return-value]


@dataclass(slots=True)
class GatewayContext:
    graph: Graph
    principal: Principal
    request_id: str
    loaders: Loaders
    request: Any = None
    response: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    # The day the request is served as of (the graph's clock, in China) and the publicity rules it is
    # served under: set once when the request starts, so that every part of one response agrees.
    day: dt.date | None = None
    rules: PublicityRules | None = None

    def __post_init__(self) -> None:
        # Submissions check their items against the division the writer acts for (gateway.write.submissions),
        # whichever plugin's mutation runs them: set for every request, so none inherits another's, and
        # reset when the request ends (Loaders.close), so nothing run after it in the same task inherits it.
        department = self.principal.role is Role.DEPARTMENT
        token = write_for_division(self.principal.division_code if department else None)
        self.loaders.on_close(lambda: forget_writer_division(token))

    @property
    def settings(self) -> Settings:
        return self.graph.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.graph.engine

    def connection(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The request's read connection, shared with the loaders (see :meth:`Loaders.connection`):
        ``async with info.context.connection() as conn: ...``. For plugins' list queries."""
        return self.loaders.connection()
