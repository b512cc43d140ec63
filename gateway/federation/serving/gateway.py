"""The federated gateway: the supergraph being served, and one client operation run through it:
checked against the caller's audience (limits, validation), planned (cached plans), executed over the
subgraphs, recorded.

For every audience but the public, the objects the response holds about a subject are found (the
subject codes added to the plan where the client did not ask: gateway.federation.serving.subjects), their
consent-scoped remote fields checked with the caller's partner access, and the remote fields handed out
written to the query record, through the plugins' public hook (this package imports no feature); a
request that could hand out nothing recorded skips all that (gateway.federation.serving.recording).

A reload builds the new supergraph whole (gateway.federation.serving.loading) and swaps it in at once; a
request keeps the supergraph it started with. A supergraph that fails to load is refused, logged, and
the old one keeps serving. The HTTP transport is kept while the subgraphs' URLs stay the same; a
replaced one is closed when the last request using it ends (requests are counted per transport).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from graphql import OperationType
from graphql import execute as execute_locally

from gateway.auth.principal import Principal, Role
from gateway.db.availability import is_database_unavailable
from gateway.federation.executor import HttpTransport, execute_plan, shape_memo
from gateway.federation.executor.errors import TrustedError
from gateway.federation.planner import PlanningError
from gateway.federation.serving.headers import client_headers
from gateway.federation.serving.loading import LoadedSupergraph, ServingConfig, load, read_text
from gateway.federation.serving.recording import operation_selects_recorded
from gateway.federation.serving.request import Prepared, Refused, prepare
from gateway.federation.serving.subjects import (
    SubjectGuard,
    SubjectObject,
    enforce,
    find_accessed,
    uses_gateway_aliases,
    with_subject_codes,
)
from gateway.federation.serving.transports import LocalRunner, LocalTransport, RequestTransport
from gateway.kernel.errors import (
    AUDIT_UNAVAILABLE,
    BAD_REQUEST,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    ConfigurationError,
)
from gateway.policy.limits import Limits, ListSizes

log = logging.getLogger("gateway.federation")
record_log = logging.getLogger("gateway.federation.record")

# The codes a remote subgraph's error may keep with its message for every audience (the client can act
# on them); anything else (no code, INTERNAL_SERVER_ERROR, a code that merely looks like ours …) may
# carry a remote service's internals and is masked but for the admin. The gateway's own errors and the
# in-process subgraph's are marked (executor.errors.TrustedError) and always shown.
_SHOWN_CODES = frozenset({"BAD_USER_INPUT", "FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED"})

TransportFactory = Callable[[Mapping[str, str]], HttpTransport]
# (principal, HTTP request or None) -> the runner of the in-process subgraph for that caller.
LocalRunnerFactory = Callable[[Principal, Any], LocalRunner]
# (principal, HTTP request or None) -> the caller's consent and query record, for one request.
SubjectGuardFactory = Callable[[Principal, Any], AbstractAsyncContextManager[SubjectGuard]]
# Plans of operations with the subject codes added are cached apart from the client's own text.
_WITH_CODES_KEY = "# with subject codes\n"


@dataclass(frozen=True)
class ReloadOutcome:
    status: Literal["reloaded", "unchanged", "refused"]
    served: dict[str, object]  # what is served after the attempt (LoadedSupergraph.describe)
    error: str | None = None


class FederatedGateway:
    def __init__(
        self,
        config: ServingConfig,
        loaded: LoadedSupergraph,
        *,
        limits: Mapping[Role, Limits],
        sizes: ListSizes,
        development_mode: bool,
        local_runner: LocalRunnerFactory | None = None,
        transport_factory: TransportFactory = HttpTransport,
        subject_guard: SubjectGuardFactory | None = None,
    ) -> None:
        self.config = config
        self.limits = limits
        self.sizes = sizes
        self.development_mode = development_mode
        self.local_runner = local_runner
        self.transport_factory = transport_factory
        self.subject_guard = subject_guard
        self._loaded = loaded
        self._transport = transport_factory(loaded.remote_urls)
        self._reloading = asyncio.Lock()
        # Requests in flight per HTTP transport (by id), and the replaced transports still used by some:
        # a replaced transport is closed when its last request ends, never under a running one (a fixed
        # grace would be too short for a slow request, and needlessly long for the rest).
        self._users: dict[int, int] = {}
        self._replaced: dict[int, HttpTransport] = {}
        self._closing: set[asyncio.Task[None]] = set()

    @classmethod
    def start(cls, config: ServingConfig, *, fallback: str | None = None, **options: Any) -> FederatedGateway:
        """Read and load the configured supergraph now (at start, blocking); raises ConfigurationError.

        With ``fallback`` (the text another worker of this server serves), a configured supergraph that
        does not load is logged and ``fallback`` is served instead."""
        try:
            loaded = load(read_text(config.location), config)
        except ConfigurationError as exc:
            if fallback is None:
                raise
            loaded = load(fallback, config)
            log.error(
                "supergraph %s refused, serving the last accepted one %s: %s", config.location, loaded.sha256, exc
            )
        return cls(config, loaded, **options)

    @property
    def loaded(self) -> LoadedSupergraph:
        return self._loaded

    # --- reloading -------------------------------------------------------------------------------

    async def reload(self) -> ReloadOutcome:
        """Re-read the supergraph; serve it if it changed and loads, else keep the one served."""
        async with self._reloading:
            try:
                text = await asyncio.to_thread(read_text, self.config.location)
                if hashlib.sha256(text.encode()).hexdigest() == self._loaded.sha256:
                    return ReloadOutcome("unchanged", self._loaded.describe())
                # In the event loop, not a thread: building the audiences reads the in-process schemas,
                # which are built lazily and not for concurrent use.
                loaded = load(text, self.config)
            except ConfigurationError as exc:  # SupergraphError is one too
                log.error("supergraph %s refused, still serving %s: %s", self.config.location, self._loaded.sha256, exc)
                return ReloadOutcome("refused", self._loaded.describe(), str(exc))
            except Exception as exc:  # an unforeseen failure refuses the new supergraph too: the old one serves
                log.exception("supergraph %s refused, still serving %s", self.config.location, self._loaded.sha256)
                return ReloadOutcome("refused", self._loaded.describe(), f"{type(exc).__name__}: {exc}")
            self._swap(loaded)
            log.info("serving supergraph %s (%s)", loaded.sha256, ", ".join(sorted(loaded.supergraph.subgraphs)))
            return ReloadOutcome("reloaded", loaded.describe())

    def _swap(self, loaded: LoadedSupergraph) -> None:
        if dict(loaded.remote_urls) != dict(self._loaded.remote_urls):
            replaced, self._transport = self._transport, self.transport_factory(loaded.remote_urls)
            if self._users.get(id(replaced)):
                self._replaced[id(replaced)] = replaced  # closed by _lease when its last request ends
            else:
                self._close_soon(replaced)
        self._loaded = loaded

    @contextmanager
    def _lease(self, transport: HttpTransport) -> Iterator[None]:
        """Count one request using ``transport``; the last to end closes it if a reload replaced it."""
        key = id(transport)
        self._users[key] = self._users.get(key, 0) + 1
        try:
            yield
        finally:
            left = self._users[key] - 1
            if left:
                self._users[key] = left
            else:
                del self._users[key]
                replaced = self._replaced.pop(key, None)
                if replaced is not None:
                    self._close_soon(replaced)

    def _close_soon(self, transport: HttpTransport) -> None:
        task = asyncio.get_running_loop().create_task(transport.aclose())
        self._closing.add(task)  # a reference, so the task is not collected before it ends
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """Close every transport, the replaced ones still in use or being closed too."""
        replaced = list(self._replaced.values())
        self._replaced.clear()
        for transport in replaced:
            await transport.aclose()
        if self._closing:
            await asyncio.wait(list(self._closing))
        await self._transport.aclose()

    # --- one operation ---------------------------------------------------------------------------

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        principal: Principal,
        *,
        request: Any = None,
        request_id: str = "-",
        allow_mutations: bool = True,
    ) -> dict[str, Any]:
        """The response body (``data`` and/or ``errors``) of one operation for ``principal``."""
        loaded = self._loaded  # this request's supergraph, whatever a reload does meanwhile
        schema = loaded.schemas[principal.role]
        if schema is None:
            message = "This client's audience sees no field of the served supergraph"
            return {"errors": [{"message": message, "extensions": {"code": GRAPHQL_VALIDATION_FAILED}}]}
        try:
            prepared = prepare(
                schema,
                query,
                variables,
                operation_name,
                limits=self.limits[principal.role],
                sizes=self.sizes,
                may_introspect=self._may_introspect(principal),
                show_suggestions=principal.role is Role.ADMIN,
            )
        except Refused as refused:
            return {"errors": refused.errors}
        if not allow_mutations and prepared.operation.operation is OperationType.MUTATION:
            return {"errors": [{"message": "Mutations are sent with POST", "extensions": {"code": BAD_REQUEST}}]}
        if prepared.introspection:
            # Answered from the audience's schema, which the subgraphs know nothing of.
            if not prepared.is_introspection_only:
                message = "Send introspection (__schema, __type) in an operation of its own, at its root"
                return {"errors": [{"message": message, "extensions": {"code": BAD_REQUEST}}]}
            answered = execute_locally(
                schema, prepared.document, None, None, prepared.variables, prepared.operation_name
            )
            return answered.formatted  # type: ignore[return-value]
        document = self._with_subject_codes(loaded, principal, prepared)
        if document is None:
            message = "Aliases starting with _cg_ are the gateway's own; choose others"
            return {"errors": [{"message": message, "extensions": {"code": BAD_REQUEST}}]}
        key = query if document is prepared.document else _WITH_CODES_KEY + query
        try:
            plan = loaded.plans.plan(key, document, prepared.operation_name)
        except PlanningError as exc:
            return {"errors": [exc.formatted]}
        local = None
        if loaded.includes_local and self.local_runner is not None:
            local = LocalTransport(self.config.local_subgraph, self.local_runner(principal, request))
        remote = self._transport  # this request's, open until it ends (_lease), whatever a reload does
        transport = RequestTransport(remote, local)
        # The parse cache keeps the client's document; one with codes added is this request's own.
        shaping = shape_memo(document, loaded.supergraph.api_schema) if document is prepared.document else None
        walk = self._walks(loaded, principal, prepared, document is not prepared.document)
        in_process = local is not None and self.config.local_subgraph in plan.subgraphs
        async with self._guarding(principal, request, walk or in_process) as guard:
            with client_headers(request), self._lease(remote):
                result = await execute_plan(
                    plan,
                    supergraph=loaded.supergraph,
                    document=document,
                    operation_name=prepared.operation_name,
                    variables=prepared.variables,
                    transport=transport,
                    mask_error=None if principal.role is Role.ADMIN else _masker(request_id),
                    audience_schema=schema,
                    shaping=shaping,
                )
            if guard is not None:
                result = await self._consent(
                    loaded, guard, request_id, query, document, prepared, result, transport, walk
                )
        _record(principal, query, request_id, transport.called, result)
        return result

    def _guarding(
        self, principal: Principal, request: Any, needed: bool
    ) -> AbstractAsyncContextManager[SubjectGuard | None]:
        """The caller's consent and query record, open while the plan runs, so that the in-process
        subgraph's operations set their subjects aside for the request's one record; none for the public,
        whose requests are not recorded and who sees no consent-scoped field, nor for a request that could
        hand out nothing recorded (``needed``, gateway.federation.serving.recording)."""
        if not needed or principal.role is Role.PUBLIC or self.subject_guard is None:
            return nullcontext(None)
        return self.subject_guard(principal, request)

    def _walks(self, loaded: LoadedSupergraph, principal: Principal, prepared: Prepared, codes: bool) -> bool:
        """Whether the response is walked for consent and the query record: the subject codes were added,
        or the operation selects a recorded remote field about no subject (decided once per document)."""
        if principal.role is Role.PUBLIC or self.subject_guard is None:
            return False
        return codes or operation_selects_recorded(prepared, loaded.supergraph.api_schema, loaded.consent)

    def _with_subject_codes(self, loaded: LoadedSupergraph, principal: Principal, prepared: Prepared) -> Any:
        """The document to plan: the client's, or with the codes of the subjects it may reach added for
        consent and the query record (every audience but the public, whose requests are not recorded and
        who sees no consent-scoped field). None: the client used the gateway's own aliases."""
        consent = loaded.consent
        if principal.role is Role.PUBLIC or self.subject_guard is None or not (consent.tied or consent.recorded):
            return prepared.document
        if uses_gateway_aliases(prepared.document):
            return None
        schema = loaded.supergraph.api_schema
        return with_subject_codes(prepared.document, schema, loaded.consent) or prepared.document

    async def _consent(
        self,
        loaded: LoadedSupergraph,
        guard: SubjectGuard,
        request_id: str,
        query: str,
        document: Any,
        prepared: Prepared,
        result: dict[str, Any],
        transport: RequestTransport,
        walk: bool,
    ) -> dict[str, Any]:
        """Consent-scoped remote fields the caller may not see nulled; the request written to the query
        record with the subgraphs it called: the subjects its in-process operations set aside, those remote
        subgraphs handed out, and the recorded remote fields about no subject (found by walking the response
        when ``walk``)."""
        subjects: list[SubjectObject] = []
        about_no_subject: list[str] = []
        if walk:
            schema = loaded.supergraph.api_schema
            found = find_accessed(result.get("data"), document, prepared.operation_name, schema, loaded.consent)
            subjects, about_no_subject = found
        errors = list(result.get("errors") or ())
        accesses = await enforce(subjects, loaded.consent, guard, errors) if subjects else []
        try:
            await guard.record(query, sorted(transport.called), accesses, about_no_subject)
        except Exception as exc:  # nothing of this response may leave unrecorded (as locally)
            if is_database_unavailable(exc):
                raise  # the outage's one answer, 503 (gateway.server.outage), as for a local request
            log.exception(
                "request %s: query record of the federated request not written; response withheld", request_id
            )
            message = (
                f"The query record could not be written, so nothing is returned; quote request id "
                f"{request_id} when reporting it."
            )
            return {
                "errors": [{"message": message, "extensions": {"code": AUDIT_UNAVAILABLE, "requestId": request_id}}]
            }
        if errors:
            result["errors"] = errors
        return result

    def _may_introspect(self, principal: Principal) -> bool:
        # The local path's rule (gateway.server.extensions.abuse_limits.may_introspect).
        return principal.role is Role.ADMIN or (self.development_mode and principal.role is Role.PORTAL)


def _masker(request_id: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mask(error: dict[str, Any]) -> dict[str, Any]:
        extensions = error.get("extensions") or {}
        code = extensions.get("code")
        if isinstance(error, TrustedError) or (isinstance(code, str) and code in _SHOWN_CODES):
            return error
        log.warning("request %s: a subgraph's error masked: %r", request_id, error)
        masked: dict[str, Any] = {
            "message": f"A remote service failed; quote request id {request_id} when reporting it.",
            "extensions": {"code": INTERNAL_SERVER_ERROR, "requestId": request_id},
        }
        if "serviceName" in extensions:
            masked["extensions"]["serviceName"] = extensions["serviceName"]
        for key in ("path", "locations"):
            if key in error:
                masked[key] = error[key]
        return masked

    return mask


def _record(principal: Principal, query: str, request_id: str, called: set[str], result: Mapping[str, Any]) -> None:
    """The federated request's log line: who asked, which operation, which subgraphs were called. Every
    audience, the public too: which remote services a request reached is the operator's to know. The
    query record (:meth:`FederatedGateway._consent`) holds the same subgraphs for the requests it keeps."""
    record_log.info(
        "federated request %s by %s called %s",
        request_id,
        principal.requester,
        ", ".join(sorted(called)) or "no subgraph",
        extra={
            "request_id": request_id,
            "role": principal.role.value,
            "client_id": principal.client_id,
            "client_name": principal.name,
            "operation_hash": hashlib.sha256(query.encode()).hexdigest(),
            "subgraphs": sorted(called),
            "errors": len(result.get("errors") or ()),
        },
    )
