"""The batch form of a field resolver: one call for every parent of a level.

A plugin keeps its ordinary resolver (graphql-core, and any caller that resolves one parent, use
it) and adds a batch form with :func:`batch_resolver`. The engine then calls the batch form once
per level, with every parent object that level holds, instead of the resolver once per parent::

    async def tax_profiles(roots: Sequence[CreditSubjectBase], info: Info) -> list[TaxProfile | None]:
        records = await info.context.loaders.load_all(RECORDS, [root.id for root in roots])
        return [profile_of(found) for found in records]

    @batch_resolver(tax_profiles)
    async def resolve_tax(root: CreditSubjectBase, info: Info) -> TaxProfile | None:
        return profile_of(await info.context.loaders.load(RECORDS, root.id))

The batch form receives the parents in order, the ``Info`` of the first parent's field (its
``context``, ``selected_fields`` and ``variable_values`` hold for all of them) and the field's
arguments as the resolver would (GraphQL names converted, input types built); it returns (or
awaits to) a sequence of values in the parents' order, one per parent. An ``Exception`` in place
of a value makes that parent's field ``null`` with the error at its path; an exception raised by
the batch form does so for every parent. Both forms must give the same values: the differential
tests run every operation through both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
BatchForm = Callable[..., Sequence[Any] | Awaitable[Sequence[Any]]]

_ATTRIBUTE = "__credit_gateway_batch_form__"


def batch_resolver(batch: BatchForm) -> Callable[[F], F]:
    """Attach ``batch`` to a resolver as its batch form (see the module's documentation)."""

    def attach(resolver: F) -> F:
        setattr(resolver, _ATTRIBUTE, batch)
        return resolver

    return attach


def batch_form_of(resolver: Callable[..., Any]) -> BatchForm | None:
    """The batch form attached to a resolver (or to the function it wraps), if any."""
    found = getattr(resolver, _ATTRIBUTE, None)
    if found is None and hasattr(resolver, "__wrapped__"):
        found = getattr(resolver.__wrapped__, _ATTRIBUTE, None)
    return found
