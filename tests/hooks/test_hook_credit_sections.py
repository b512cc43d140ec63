"""``credit_sections``: a plugin's sections of the signed credit extract (core.extracts), each loaded with
one statement, printed in order with their rows, covered by the signature; a hook returning something
else, or two sections with one id, is a configuration error."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fixture_plugins import ANCHOR, started
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import ConfigurationError, CreditSection, SectionRow, any_of, hookimpl, subject
from gateway.db.engine import count_statements
from gateway.features.extracts.sections import sections_of
from gateway.features.extracts.signing import pem_of

ISSUE = """mutation($i: IssueCreditExtractInput!) { issueCreditExtract(input: $i) { number downloadUrl } }"""
VERIFY = "query($n: String!) { verifyCreditDocument(number: $n) { status subjectName } }"


def pdf_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


class NotesPlugin:
    """A domain with one section: a line per subject, from one statement over the subject table."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], dt.date]] = []

    async def load(
        self, conn: AsyncConnection, subject_ids: Sequence[int], today: dt.date
    ) -> Mapping[int, list[SectionRow]]:
        self.calls.append((list(subject_ids), today))
        rows = await conn.execute(
            sa.select(subject.c.id, subject.c.name.label("hookfix_name")).where(any_of(subject.c.id, name="ids")),
            {"ids": list(subject_ids)},
        )
        return {row.id: [SectionRow("测试事项", f"{row.hookfix_name}的测试记录", None)] for row in rows}

    @hookimpl
    def credit_sections(self) -> Sequence[CreditSection]:
        return [
            CreditSection("hookfix.empty", "测试空白栏目", self.load_nothing, order=6, empty_text="本栏目无记录。"),
            CreditSection("hookfix.notes", "测试领域信用", self.load, order=5),
        ]

    async def load_nothing(self, conn: AsyncConnection, subject_ids: Sequence[int], today: dt.date) -> dict:
        return {}


async def test_hook_credit_sections(database_url: str | None, tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    key.write_bytes(pem_of(Ed25519PrivateKey.generate()))
    plugin = NotesPlugin()
    async with started(database_url, ("hookfix", plugin), signing_key=key) as gw:
        assert [s.id for s in sections_of(gw.graph.composition)] == ["hookfix.notes", "hookfix.empty"]  # by order
        admin = await gw.create_key("admin")
        variables = {"i": {"subjectCode": ANCHOR, "requestId": "hook-1", "purpose": "测试"}}
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(ISSUE, variables, key=admin)
        assert "errors" not in body, body
        [(subject_ids, today)] = plugin.calls  # one call, for the one subject, as of the gateway's day
        assert len(subject_ids) == 1 and today == gw.clock.today()
        assert sum("hookfix_name" in s for s in counter.statements) == 1  # one statement
        extract = body["data"]["issueCreditExtract"]
        pdf = await gw.client.get(extract["downloadUrl"], headers={"Authorization": f"Bearer {admin}"})
        text = pdf_text(pdf.content, tmp_path / "extract.pdf")
        assert text.index("一、测试领域信用") < text.index("测试事项") < text.index("二、测试空白栏目")
        assert "的测试记录" in text and "本栏目无记录。" in text
        verified = (await gw.graphql(VERIFY, {"n": extract["number"]}))["data"]["verifyCreditDocument"]
        assert verified["status"] == "VALID"


class BrokenPlugin:
    @hookimpl
    def credit_sections(self) -> Sequence[object]:
        return ["not a CreditSection"]


class TwicePlugin:
    @hookimpl
    def credit_sections(self) -> Sequence[CreditSection]:
        section = CreditSection("hookfix.twice", "两次", NotesPlugin().load)
        return [section, section]


@pytest.mark.parametrize(
    ("plugin", "message"),
    [(BrokenPlugin(), "must return CreditSection items"), (TwicePlugin(), "Two credit_sections are named")],
)
async def test_sections_that_do_not_compose_are_refused(plugin: object, message: str) -> None:
    async with started(None, ("hookfix", plugin)) as gw:
        with pytest.raises(ConfigurationError, match=message):
            sections_of(gw.graph.composition)
