"""``credit-gateway supergraph``: check a Federation v2 supergraph, or compose one from running
subgraphs with Apollo's composition library (gateway.federation). ``check`` refuses and accepts the
declarations (``subgraph_visibility``, ``subgraph_headers``, ``subgraph_timeouts``,
``subgraph_concurrency``) as ``serve --supergraph`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gateway.cli.common import build_settings, console, err, fail
from gateway.federation import Supergraph, SupergraphError, parse_supergraph
from gateway.federation.compose import compose, composition_dir, fetch_subgraph_sdl, read_supergraph_text
from gateway.kernel.errors import ConfigurationError

supergraph_app = typer.Typer(help="Federation v2 supergraphs of remote subgraphs.", no_args_is_help=True)

NodeModulesOption = Annotated[
    Path | None,
    typer.Option(
        "--node-modules",
        help="Directory holding node_modules/@apollo/composition (overrides CREDIT_GATEWAY_COMPOSITION_DIR).",
    ),
]


def check_serving_settings(supergraph: Supergraph) -> None:
    """The declarations ``serve --supergraph`` checks, by the same functions: ``subgraph_visibility``
    (keys, visibilities, remote partner groups), ``subgraph_headers``, and the subgraphs that
    ``subgraph_timeouts``, ``subgraph_concurrency`` and ``subgraph_deduplication`` name."""
    from gateway.federation.serving.audiences import check_declarations
    from gateway.federation.serving.headers import HeaderRules
    from gateway.federation.serving.subgraph_limits import SubgraphLimits

    settings = build_settings()
    check_declarations(settings.subgraph_visibility, supergraph, settings.local_subgraph_name)
    HeaderRules.parse(settings.subgraph_headers).check_subgraphs(supergraph.subgraphs)
    limits = SubgraphLimits(
        timeouts=settings.subgraph_timeouts,
        concurrency=settings.subgraph_concurrency,
        deduplication=settings.subgraph_deduplication,
    )
    limits.check_subgraphs(supergraph.subgraphs, settings.local_subgraph_name)


@supergraph_app.command("check")
def supergraph_check(
    location: Annotated[str, typer.Argument(help="Path or http(s) URL of the supergraph SDL.")],
) -> None:
    """Load and validate a supergraph; print its subgraphs and entity types with their keys."""
    try:
        supergraph = parse_supergraph(read_supergraph_text(location))
        check_serving_settings(supergraph)
    except (SupergraphError, ConfigurationError) as exc:
        raise fail(escape(str(exc))) from exc
    subgraphs = Table("subgraph", "url", title=f"Subgraphs (join v{supergraph.join_version})")
    for subgraph in supergraph.subgraphs.values():
        subgraphs.add_row(escape(subgraph.name), escape(subgraph.url))
    console.print(subgraphs)
    entities = Table("entity type", "subgraph", "key", "resolvable", title="Entity types and their keys")
    for entity in sorted(supergraph.entity_types, key=lambda t: t.name):
        for key in entity.keys:
            entities.add_row(
                entity.name, escape(key.subgraph), escape(key.fields.source), "yes" if key.resolvable else "no"
            )
    console.print(entities)


@supergraph_app.command("compose")
def supergraph_compose(
    subgraph: Annotated[
        list[str], typer.Option("--subgraph", help="name=URL of a running subgraph; repeat for each one.")
    ],
    out: Annotated[Path, typer.Option("--out", help="File the supergraph SDL is written to.")],
    node_modules: NodeModulesOption = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", help="'Name: value' sent with every SDL request (e.g. an X-API-Key); repeatable."),
    ] = None,
) -> None:
    """Fetch each subgraph's SDL ({ _service { sdl } }) and compose them with Apollo's composition library."""
    try:
        targets = [_name_and_url(option) for option in subgraph]
        headers = dict(_header(option) for option in header or [])
        directory = composition_dir(node_modules or build_settings().composition_dir)
        sources = [fetch_subgraph_sdl(name, url, headers) for name, url in targets]
        sdl, hints = compose(sources, directory)
        parse_supergraph(sdl)  # what the gateway will read must also be what it can read
    except (SupergraphError, ConfigurationError) as exc:
        raise fail(escape(str(exc))) from exc
    for hint in hints:
        err.print(f"[yellow]hint:[/] {escape(hint)}")
    out.write_text(sdl, encoding="utf-8")
    console.print(f"wrote {escape(str(out))} ({len(sources)} subgraphs)")


def _name_and_url(option: str) -> tuple[str, str]:
    name, equals, url = option.partition("=")
    if not equals or not name.strip() or not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"--subgraph {option!r}: write name=http(s)://host/graphql")
    return name.strip(), url


def _header(option: str) -> tuple[str, str]:
    name, colon, value = option.partition(":")
    if not colon or not name.strip():
        raise ConfigurationError(f"--header {option!r}: write 'Name: value'")
    return name.strip(), value.strip()
