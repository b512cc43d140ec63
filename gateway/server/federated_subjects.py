"""The caller's consent and query record for a federated request (a
:class:`~gateway.federation.serving.subjects.SubjectGuard`), made per request by anyone but the public.

It runs in a request context like a local operation's (its principal, loaders, day, the ``X-Purpose``
of the HTTP request) and asks the plugins through the public hook (``SubjectAccess.field_allowed`` and
``served_federated``): partner access and the query record are features, which the server never imports.
It is open from the plan's execution to the answer, and for that time the request's
:class:`~gateway.hooks.contributions.FederatedRequest` is the one the in-process subgraph's operations see
(``federated_request()``), so that what they set aside is handed to ``served_federated`` at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from gateway.auth.principal import Principal, Role
from gateway.graph.subject import load_subjects_by_hash
from gateway.hooks.contributions import FederatedRequest, during_federated_request
from gateway.kernel.identifiers import InvalidSubjectCode, lookup_hash, parse_subject_code
from gateway.server.context import GatewayContext
from gateway.server.schema import Graph

ContextMaker = Callable[[Graph, Principal, Any], GatewayContext]


class FederatedSubjects:
    def __init__(self, context: GatewayContext) -> None:
        self.context = context
        self.accesses = context.graph.composition.subject_access
        self.request = FederatedRequest()

    async def subject_ids(self, codes: Sequence[str]) -> dict[str, int]:
        settings = self.context.settings
        hashes: dict[str, str] = {}
        for code in codes:
            try:
                parsed = parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list)
            except InvalidSubjectCode:
                continue  # a malformed code names nobody on file
            hashes[code] = lookup_hash(parsed, settings.secret_key)
        if not hashes:
            return {}
        async with self.context.connection() as conn:
            rows = await load_subjects_by_hash(conn, list(set(hashes.values())))
        return {code: rows[digest].id for code, digest in hashes.items() if digest in rows}

    async def allowed(self, checks: Sequence[tuple[str, int | None]]) -> list[bool]:
        if self.context.principal.role is Role.ADMIN:
            return [True] * len(checks)
        deciders = [access.field_allowed for access in self.accesses if access.field_allowed is not None]
        if not deciders:  # nobody to ask about consent: deny, as an undeclared field is denied
            return [False] * len(checks)

        async def decide(group: str, subject_id: int | None) -> bool:
            for allowed in deciders:
                if not await allowed(self.context, group, subject_id):
                    return False
            return True

        # Concurrently: partner access loads every subject's authorisations in one statement (a DataLoader).
        return list(await asyncio.gather(*(decide(group, sid) for group, sid in checks)))

    async def record(
        self,
        operation: str,
        subgraphs: Sequence[str],
        subjects: Sequence[tuple[int, tuple[str, ...]]],
        about_no_subject: Sequence[str],
    ) -> None:
        request = self.request
        request.operation = operation
        request.subgraphs = tuple(sorted(subgraphs))
        request.subjects = subjects
        request.about_no_subject = tuple(about_no_subject)
        for access in self.accesses:
            if access.served_federated is not None:
                await access.served_federated(self.context, request)


def subject_guards(
    graph: Graph, make_context: ContextMaker
) -> Callable[[Principal, Any], contextlib.AbstractAsyncContextManager[FederatedSubjects]]:
    @contextlib.asynccontextmanager
    async def guard(principal: Principal, request: Any) -> AsyncIterator[FederatedSubjects]:
        context = make_context(graph, principal, request)
        subjects = FederatedSubjects(context)
        try:
            with during_federated_request(subjects.request):
                yield subjects
        finally:
            await context.loaders.close()

    return guard
