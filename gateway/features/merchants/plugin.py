"""The merchants feature as a default plugin (core.merchants): merchant pages (一店一码) — their table and
migrations, the GraphQL to issue and revoke them, and the pages and QR codes served over HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from starlette.routing import BaseRoute

from gateway.features.merchants import routes
from gateway.features.merchants.graphql import MUTATION_FIELDS, POLICIES, QUERY_FIELDS
from gateway.features.merchants.tables import TABLES
from gateway.hooks.contributions import MutationField, QueryField, fields_of
from gateway.hooks.specs import hookimpl


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # The admin and departments of any domain (the resolvers check which department may act).
    return fields_of(MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return POLICIES


@hookimpl
def http_routes() -> Sequence[BaseRoute]:
    return routes.http_routes()
