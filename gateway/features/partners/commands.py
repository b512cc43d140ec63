"""``credit-gateway clients contract``: a partner's contract, added to the core's ``clients`` group by
the partners feature's ``cli_commands``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gateway.hooks.specs import CommandLine, DatabaseOption, PluginsOption, command_group

GroupsOption = Annotated[
    str, typer.Option("--groups", "-g", help="Comma-separated field groups, e.g. tax.rating (replaces the old).")
]


def add_partner_commands(app: typer.Typer, cli: CommandLine) -> None:
    """``contract`` on the ``clients`` group (API clients are the core's; contracts are partner access's)."""

    @command_group(app, "clients").command("contract")
    def clients_contract(
        client_id: Annotated[int, typer.Argument(help="The partner client's id.")],
        groups: GroupsOption,
        database_url: DatabaseOption = None,
        plugins: PluginsOption = None,
    ) -> None:
        """Set a partner's contract: the field groups it may be authorised to see."""
        set_partner_contract(cli, client_id, groups, database_url, plugins)


def set_partner_contract(
    cli: CommandLine, client_id: int, groups: str, database_url: str | None, plugins: str | None
) -> None:
    """``clients contract``: replace the partner's field groups with ``groups`` (comma-separated), each a
    group the allow-listed plugins declare, or ``subgraph_visibility`` declares for a remote field."""
    from gateway.db.engine import create_engine
    from gateway.features.partners.store import set_contract
    from gateway.kernel.errors import GatewayError
    from gateway.policy.remote_fields import RemoteDeclarations

    settings = cli.settings(database_url, plugins)
    # The plugins' groups, and those declared for remote subgraphs' fields (serve --supergraph).
    remote = RemoteDeclarations.parse(settings.subgraph_visibility).partner_groups()
    known = {*cli.policies(settings).partner_groups(), *remote}

    async def run() -> Any:
        engine = create_engine(settings.database_url)
        try:
            return await set_contract(engine, client_id, [g.strip() for g in groups.split(",") if g.strip()], known)
        finally:
            await engine.dispose()

    try:
        partner = cli.run(run())
    except GatewayError as exc:
        raise cli.fail(exc.message) from exc
    cli.print(f"partner {partner.id} ({partner.name}): contract {', '.join(sorted(partner.contract_groups))}")
