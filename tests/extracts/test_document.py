"""The PDF alone: long rows and many of them flow over pages without losing text, the font is embedded
(as a subset), and the signed payload is where a verifier looks for it."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from gateway.features.extracts.checking import embedded
from gateway.features.extracts.document import ExtractContent, font_path, render
from gateway.features.extracts.drawing import wrap

LONG = "经查，该单位在施工现场未按规定设置安全防护设施。" * 80  # some 2,000 characters, MAX_TEXT


def content(rows: list[dict], keywords: str = "credit-gateway-extract:e30.c2ln") -> ExtractContent:
    return ExtractContent(
        number="XY20260101-0000-0000-0000",
        subject_name="福州闽都信用示范科技有限公司",
        subject_code="91350100M000100Y43",
        subject_is_person=False,
        issued_on=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 1, 30),
        purpose="贷款审批",
        requester="平台",
        sections=[{"id": "t.a", "title": "测试信用", "rows": rows, "empty": "无", "left_out": 3}],
        verify_url="https://credit.example.gov.cn/verify/XY20260101-0000-0000-0000",
        key_id="0123456789abcdef",
        key_fingerprint="0123 4567 89AB CDEF",
        keywords=keywords,
    )


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_long_rows_flow_over_pages(tmp_path: Path) -> None:
    rows = [{"label": "不良行为记录", "text": f"第{n}条：{LONG if n == 3 else '短记录。'}"} for n in range(1, 40)]
    pdf = render(content(rows), font_path(None))
    text = text_of(pdf, tmp_path)
    pages = text.count("\f")
    assert pages >= 3, pages
    assert "第39条" in text and "另有 3 条记录未列出" in text and "核验网址" in text
    assert text.replace("\n", "").count("未按规定设置安全防护设施") == 80  # nothing of the long row lost
    assert b"/FontFile3" in pdf or b"/FontFile2" in pdf  # the font travels with the file
    assert len(pdf) < 400_000  # a subset, not the 16 MB font


def test_the_payload_is_in_the_keywords() -> None:
    pdf = render(content([]), font_path(None))
    assert embedded(pdf) == (b"{}", "c2ln")  # the payload decoded, the signature as carried


def test_no_line_starts_with_closing_punctuation() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", "", str(font_path(None)))
    pdf.set_font("cjk", size=10.5)
    lines = wrap(pdf, "一二三四五六七八九十，" * 30, 60).split("\n")
    assert len(lines) > 5 and not any(line.startswith("，") for line in lines)
