"""The extracts feature as a default plugin (core.extracts): the platform's signed credit information
extract (信用信息摘要) — its tables and migrations, ``issueCreditExtract`` and ``verifyCreditDocument``, the
PDF's download, the public verification page and the published keys.

The sections come from every plugin's ``credit_sections`` hook; the four built-in domains contribute
theirs. At start the configured signing key (``CREDIT_GATEWAY_SIGNING_KEY``) and font are read, so that
a wrong file stops the start rather than the first extract.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.routing import BaseRoute

from gateway.features.extracts import routes
from gateway.features.extracts.document import font_path
from gateway.features.extracts.graphql import MUTATION_FIELDS, POLICIES, QUERY_FIELDS
from gateway.features.extracts.sections import sections_of
from gateway.features.extracts.signing import configured_key
from gateway.features.extracts.tables import TABLES
from gateway.hooks.contributions import MutationField, QueryField, fields_of
from gateway.hooks.specs import hookimpl

log = logging.getLogger("gateway.features.extracts")


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
    # Subjects, partners, agencies, departments and the admin: the resolver checks which subject each may ask for.
    return fields_of(MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return POLICIES


@hookimpl
def http_routes() -> Sequence[BaseRoute]:
    return routes.http_routes()


@hookimpl
def startup(graph: Any) -> None:
    settings = graph.settings
    font_path(settings.extract_font)
    sections_of(graph.composition)
    if configured_key(settings) is None and not settings.database_url.startswith("sqlite"):
        log.warning(
            "CREDIT_GATEWAY_SIGNING_KEY is not set: credit extracts cannot be issued (verification still works)"
        )
