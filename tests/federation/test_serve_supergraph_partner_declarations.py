"""Declaring remote fields for partner groups (setting ``subgraph_visibility``): the keys a type or a field
of one subgraph, the rule that ties a remote object to a subject, and what is refused, the same by
``serve --supergraph`` (the app's start) and ``credit-gateway supergraph check``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import GraphQLObjectType
from typer.testing import CliRunner

from gateway.auth.principal import Role
from gateway.cli.main import app as cli_app
from gateway.federation import parse_supergraph
from gateway.federation.serving.audiences import audience_schemas, check_declarations
from gateway.federation.serving.consent import ConsentRules
from gateway.kernel.errors import ConfigurationError
from gateway.testing import GatewayHarness
from tests.federation.consent_harness import DECLARATIONS, Composed, composed

LOCAL = "credit-gateway"


@pytest.fixture(scope="module")
async def setup() -> AsyncIterator[Composed]:
    async with composed() as done:
        yield done


def test_partner_groups_are_in_the_audiences_that_may_be_granted_them(setup: Composed) -> None:
    supergraph = parse_supergraph(setup.supergraph.read_text())
    declarations = check_declarations(DECLARATIONS, supergraph, LOCAL)
    rules = ConsentRules.build(supergraph, declarations, LOCAL)
    assert rules.tied == {"CreditSubject": "code", "Exposure": "subjectCode", "Collateral": "subjectCode"}
    assert rules.groups == {
        ("Exposure", "amountYuan"): "exposures.amount",
        ("Collateral", "valueYuan"): "exposures.amount",
        ("CreditSubject", "riskScore"): "exposures.score",
    }
    schemas = audience_schemas(supergraph, declarations, LOCAL, None)
    for role in Role:
        schema = schemas[role]
        exposure = schema.get_type("Exposure") if schema is not None else None
        has_amount = isinstance(exposure, GraphQLObjectType) and "amountYuan" in exposure.fields
        assert has_amount is (role in {Role.PARTNER, Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN}), role


def test_a_type_s_group_covers_its_fields_but_the_one_naming_the_subject(setup: Composed) -> None:
    supergraph = parse_supergraph(setup.supergraph.read_text())
    declared = {"exposures": "public", "exposures:Exposure": "partner:exposures.all"}
    with pytest.raises(ConfigurationError, match=r"Exposure.bank \(partner:exposures.all\) must be nullable"):
        check_declarations(declared, supergraph, LOCAL)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"exposures": "partner:exposures.all"}, "never on a whole subgraph"),
        (
            {"exposures:Exposure.bank": "partner:exposures.bank"},
            "Exposure.bank (partner:exposures.bank) must be nullable",
        ),
        ({"exposures:Exposure.subjectCode": "partner:exposures.code"}, "the field naming the subject cannot be"),
        ({"exposures:Query.exposures": "partner:exposures.list"}, "is on a type that is not about a subject"),
        ({"exposures:CreditSubject.riskScore": "partner:tax.score"}, "may only declare partner groups exposures."),
        ({"exposures:Exposure.rate": "public"}, "exposures serves no such field"),
        ({"exposures:Loan": "public"}, "exposures serves no such type"),
        ({"loans:Loan": "public"}, "names 'loans', which the supergraph does not"),
        ({"credit-gateway:CreditSubject.name": "public"}, "the in-process subgraph"),
        ({":Exposure": "public"}, "must read <subgraph>"),
    ],
)
def test_declarations_serve_cannot_enforce_are_refused(setup: Composed, declared: dict[str, str], message: str) -> None:
    supergraph = parse_supergraph(setup.supergraph.read_text())
    with pytest.raises(ConfigurationError) as refused:
        check_declarations(declared, supergraph, LOCAL)
    assert message in str(refused.value)
    result = CliRunner().invoke(
        cli_app,
        ["supergraph", "check", str(setup.supergraph)],
        env={"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": json.dumps(declared)},
    )
    assert result.exit_code == 1, result.output


async def test_start_refuses_what_check_refuses_and_accepts_what_it_accepts(setup: Composed, tmp_path: Path) -> None:
    bad = {"exposures:Exposure.bank": "partner:exposures.bank"}
    with pytest.raises(ConfigurationError, match="must be nullable"):
        async with GatewayHarness.start(supergraph=str(setup.supergraph), subgraph_visibility=bad):
            pass
    result = CliRunner().invoke(
        cli_app,
        ["supergraph", "check", str(setup.supergraph)],
        env={"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": json.dumps(DECLARATIONS)},
    )
    assert result.exit_code == 0, result.output
    async with GatewayHarness.start(supergraph=str(setup.supergraph), subgraph_visibility=DECLARATIONS) as gw:
        try:
            # The remote groups join the plugins' ones: partners' contracts may name them.
            groups = gw.graph.composition.policies.partner_groups()
            assert groups["exposures.amount"] == ["Collateral.valueYuan", "Exposure.amountYuan"]
            assert groups["exposures.score"] == ["CreditSubject.riskScore"]
        finally:
            await gw.app.state.federated_gateway.aclose()


def test_clients_contract_knows_the_remote_groups(tmp_path: Path) -> None:
    env = {
        "CREDIT_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": json.dumps(DECLARATIONS),
    }
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"], env=env).exit_code == 0
    created = runner.invoke(cli_app, ["clients", "create", "--role", "partner", "--name", "Bank"], env=env)
    assert created.exit_code == 0, created.output
    done = runner.invoke(cli_app, ["clients", "contract", "1", "--groups", "exposures.amount, tax.rating"], env=env)
    assert done.exit_code == 0, done.output
    assert "exposures.amount, tax.rating" in done.output
    unknown = runner.invoke(cli_app, ["clients", "contract", "1", "--groups", "exposures.rate"], env=env)
    assert unknown.exit_code != 0
