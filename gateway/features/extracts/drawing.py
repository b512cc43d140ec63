"""Drawing the extract with fpdf2 (see :mod:`gateway.features.extracts.document`, which imports this module
only when a PDF is rendered)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from gateway.features.extracts.describe import chinese_date
from gateway.features.extracts.document import (
    FONT,
    GREY,
    INK,
    ISSUER,
    LABEL_WIDTH,
    MARGIN,
    NO_LINE_START,
    QR_SIZE,
    RED,
    RULE,
    TITLE,
    ExtractContent,
    section_heading,
)
from gateway.features.merchants.qr import make as make_qr
from gateway.kernel.qr import dark_runs


def wrap(pdf: FPDF, text: str, width: float) -> str:
    """``text`` broken into lines that fit ``width`` at the current font, character by character (Chinese
    has no spaces to break at), no line beginning with closing punctuation; existing newlines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and pdf.get_string_width(line + char) > width:
                if char in NO_LINE_START and len(line) > 1:
                    lines.append(line[:-1])
                    line = line[-1]
                else:
                    lines.append(line)
                    line = ""
            line += char
        lines.append(line)
    return "\n".join(lines)


class _Extract(FPDF):
    def __init__(self, number: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.number = number

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"编号 {self.number}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(*INK)


def draw(content: ExtractContent, font: Path) -> bytes:
    pdf = _Extract(content.number)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_font(FONT, "", str(font))
    pdf.set_title(f"{TITLE} {content.number}")
    pdf.set_author(ISSUER)
    pdf.set_subject(f"{content.subject_name} {TITLE}")
    pdf.set_creator("credit-gateway")
    pdf.set_keywords(content.keywords)
    pdf.set_creation_date(dt.datetime.combine(content.issued_on, dt.time(), tzinfo=dt.UTC))
    pdf.add_page()
    _masthead(pdf, content)
    _facts(pdf, content)
    for index, section in enumerate(content.sections):
        _section(pdf, index, section)
    _closing(pdf, content)
    return bytes(pdf.output())


def _masthead(pdf: FPDF, content: ExtractContent) -> None:
    pdf.set_font(FONT, size=13)
    pdf.set_text_color(*RED)
    pdf.cell(0, 8, ISSUER, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=24)
    pdf.cell(0, 14, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, y, pdf.w - MARGIN, y)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, y + 1.2, pdf.w - MARGIN, y + 1.2)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=10)
    pdf.set_y(y + 3)
    pdf.cell(0, 6, f"编号：{content.number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _row(pdf: FPDF, label: str, text: str, *, size: float = 10.5, height: float = 6.5) -> None:
    """A label in the left column and its text wrapped beside it, the rule below spanning both. A row is
    kept on one page unless it is longer than a page, when its text flows on (its label stays above)."""
    pdf.set_font(FONT, size=size)
    width = pdf.w - MARGIN * 2 - LABEL_WIDTH
    label_lines = wrap(pdf, label, LABEL_WIDTH - 2)
    text_lines = wrap(pdf, text, width - 2)
    needed = max(label_lines.count("\n"), text_lines.count("\n")) * height + height
    usable = pdf.page_break_trigger - MARGIN
    if pdf.get_y() + needed > pdf.page_break_trigger and needed <= usable:
        pdf.add_page()
    top, page = pdf.get_y(), pdf.page
    pdf.set_text_color(*GREY)
    pdf.multi_cell(LABEL_WIDTH, height, label_lines, new_x=XPos.RIGHT, new_y=YPos.TOP)
    label_bottom = top + (label_lines.count("\n") + 1) * height
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, height, text_lines, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y() if pdf.page != page else max(pdf.get_y(), label_bottom)
    pdf.set_y(bottom + 0.8)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.1)
    pdf.line(MARGIN, bottom + 0.4, pdf.w - MARGIN, bottom + 0.4)


def _facts(pdf: FPDF, content: ExtractContent) -> None:
    code_label = "身份证号码" if content.subject_is_person else "统一社会信用代码"
    for label, text in (
        ("主体名称", content.subject_name),
        (code_label, content.subject_code),
        ("出具日期", chinese_date(content.issued_on)),
        ("有效期至", f"{chinese_date(content.valid_until)}（含当日）"),
        ("申请方", content.requester),
        ("查询用途", content.purpose),
    ):
        _row(pdf, label, text)
    pdf.ln(3)


def _section(pdf: FPDF, index: int, section: dict[str, Any]) -> None:
    if pdf.get_y() + 20 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT, size=13)
    pdf.set_text_color(*RED)
    pdf.cell(0, 9, section_heading(index, section["title"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    rows = section["rows"]
    if not rows:
        _row(pdf, "", section["empty"])
    for row in rows:
        _row(pdf, row["label"], row["text"])
    if section.get("left_out"):
        _row(pdf, "", f"另有 {section['left_out']} 条记录未列出，请通过平台查询。")
    pdf.ln(3)


def _closing(pdf: FPDF, content: ExtractContent) -> None:
    note = (
        f"本摘要由{ISSUER}依据各领域主管部门报送、在出具日处于公示期内的信用信息生成，仅反映出具日的信息；"
        "某部分无记录的，表示该领域在出具日无在公示期内的记录。本摘要经平台电子签名，任何改动都将导致核验失败。"
        "请扫描右侧二维码或访问下列网址，核对编号、主体名称和日期，也可上传本文件核验；有效期届满后核验结果为“已过期”。"
        f"\n核验网址：{content.verify_url}"
    )
    block = 46.0
    if pdf.get_y() + block > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y() + 2
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, top, pdf.w - MARGIN, top)
    text_width = pdf.w - MARGIN * 2 - QR_SIZE - 6
    pdf.set_xy(MARGIN, top + 3)
    pdf.set_font(FONT, size=11)
    pdf.cell(text_width, 7, "说明与核验", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(text_width, 5, wrap(pdf, note, text_width - 2), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        text_width,
        5,
        wrap(pdf, f"签名算法 Ed25519　密钥标识 {content.key_id}　公钥指纹 {content.key_fingerprint}", text_width - 2),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)
    end = pdf.get_y()
    _qr(pdf, content.verify_url, pdf.w - MARGIN - QR_SIZE, top + 4)
    pdf.set_font(FONT, size=8)
    pdf.set_xy(pdf.w - MARGIN - QR_SIZE, top + 4 + QR_SIZE + 1)
    pdf.cell(QR_SIZE, 4, "扫码核验", align="C")
    pdf.set_y(max(end, top + QR_SIZE + 10))


def _qr(pdf: FPDF, url: str, left: float, top: float) -> None:
    """The code as filled rectangles (vector: sharp at any zoom), one per run of dark modules in a row."""
    matrix = make_qr(url).matrix
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(*INK)
    for row_index, start, length in dark_runs(matrix):
        # A hair taller than a module: no seams between rows where a reader anti-aliases the edges.
        y = top + row_index * module
        pdf.rect(left + start * module, y, length * module, module + 0.05, style="F")
