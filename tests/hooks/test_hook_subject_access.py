"""``subject_access``: a plugin admits, narrows and sees the subjects a request is handed."""

from __future__ import annotations

from typing import Any

from fixture_plugins import ANCHOR, started

from gateway.api import GatewayError, SubjectAccess, hookimpl


class Gatekeeper:
    """Refuses one subject with an error in place, hides a name from search, and notes who was served."""

    def __init__(self, refused_code: str) -> None:
        self.refused_code = refused_code
        self.served: list[tuple[int, tuple[str, ...]]] = []
        self.hidden_name = ""

    async def admit(self, info: Any, codes: Any, rows: Any) -> list[Any]:
        return [
            GatewayError("closed for this test", "GATEKEEPER") if code.value == self.refused_code else row
            for code, row in zip(codes, rows, strict=True)
        ]

    def narrow_search(self, info: Any, query: Any, table: Any) -> Any:
        return query.where(table.c.name != self.hidden_name)

    def record(self, info: Any, subject_ids: Any, path: tuple[str, ...]) -> None:
        self.served.extend((subject_id, path) for subject_id in subject_ids)

    @hookimpl
    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(admit=self.admit, narrow_search=self.narrow_search, served=self.record)


async def test_hook_subject_access(database_url: str | None) -> None:
    from gateway.host.demo import demo_subjects

    codes = [s.code.value for s in demo_subjects(20) if s.code.value != ANCHOR][:2]
    keeper = Gatekeeper(refused_code=codes[0])
    async with started(database_url, ("keeper", keeper)) as gw:
        body = await gw.graphql("query($c: [String!]!) { subjects(codes: $c) { code } }", {"c": codes})
        first, second = body["data"]["subjects"]
        assert first is None and second == {"code": codes[1]}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["GATEKEEPER"]
        assert body["errors"][0]["path"] == ["subjects", 0]
        assert len(keeper.served) == 1 and keeper.served[0][1] == ()  # only the admitted one was served

        names = await gw.graphql("query($c: String!) { subject(code: $c) { name } }", {"c": ANCHOR})
        keeper.hidden_name = names["data"]["subject"]["name"]
        search = "query($n: String!) { searchSubjects(name: $n, first: 5) { edges { node { name } } } }"
        found = await gw.graphql(search, {"n": keeper.hidden_name})
        assert found["data"]["searchSubjects"]["edges"] == [], found  # narrowed away, though the name matches
        keeper.hidden_name = ""
        found = await gw.graphql(search, {"n": names["data"]["subject"]["name"]})
        assert found["data"]["searchSubjects"]["edges"], found  # and found again without the condition


class Blocklist:
    """A well-behaved admitter named to sort before the core's plugins: it keeps earlier refusals."""

    def __init__(self, blocked: str) -> None:
        self.blocked = blocked

    async def admit(self, info: Any, codes: Any, rows: Any) -> list[Any]:
        return [
            GatewayError("on the block list", "BLOCKED")
            if code.value == self.blocked and not isinstance(row, Exception)
            else row
            for code, row in zip(codes, rows, strict=True)
        ]

    @hookimpl
    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(admit=self.admit)


async def test_partner_admission_decides_before_any_other_plugin(database_url: str | None) -> None:
    """Whatever a plugin's name, partner admission runs first: a partner's refusals read alike (the code
    it was not authorised for is not told apart by another plugin's error), and the plugin still refuses
    what the partner was admitted to."""
    from gateway.host.demo import demo_subjects

    blocked, other = [s.code.value for s in demo_subjects(20) if s.kind.name == "LEGAL_PERSON"][1:3]
    async with started(database_url, ("banking", Blocklist(blocked))) as gw:
        partner = await gw.create_key("partner")
        query = "query($c: [String!]!) { subjects(codes: $c) { code } }"
        body = await gw.graphql(query, {"c": [blocked, other]}, key=partner, headers={"X-Purpose": "loan"})
        assert body["data"]["subjects"] == [None, None]
        assert sorted(e["extensions"]["code"] for e in body["errors"]) == ["AUTHORIZATION_REQUIRED"] * 2
        admin = await gw.create_key("admin")  # no partner rule: the plugin's own refusal shows
        body = await gw.graphql(query, {"c": [blocked, other]}, key=admin)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BLOCKED"]
        assert body["data"]["subjects"][1] == {"code": other}
