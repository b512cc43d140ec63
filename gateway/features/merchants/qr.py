"""The QR codes of merchant pages: PNG and SVG made by segno, and a printable A4 sheet (PDF).

The sheet is written here rather than with segno's PDF writer, which draws the code alone: it adds a caption
(the subject's code, the address the code opens, what to do with it). Its text is ASCII in PDF's built-in
Helvetica, which every reader has: a merchant's Chinese name would need a CJK font embedded in the file, and
no well-kept font package on PyPI installs one with the gateway (nor a PDF library that subsets it), so the
sheet shows the name in the page it opens instead. Error correction is level Q (25 %): a printed code at a
shop door gets dirty and scratched.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gateway.kernel.qr import dark_runs

if TYPE_CHECKING:
    import segno

ERROR_LEVEL = "q"
PNG_SCALE = 10  # pixels per module: some 450 px for a page address, sharp enough to print
BORDER = 4  # the quiet zone QR readers need, in modules
A4 = (595.0, 842.0)  # points
SHEET_CODE_SIZE = 340.0  # points (12 cm): readable from a metre away
SEAM = 0.3  # points


def make(url: str) -> segno.QRCode:
    # Imported here, not at the top: a worker loads segno with its first QR code, not every worker at start.
    import segno

    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


def png(url: str) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=PNG_SCALE, border=BORDER)
    return out.getvalue()


def svg(url: str) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=PNG_SCALE, border=BORDER, xmldecl=True, title="QR code", svgns=True)
    return out.getvalue()


def _pdf_text(value: str) -> str:
    """A PDF string literal of ASCII text (anything else becomes '?'), with its delimiters escaped."""
    ascii_only = value.encode("ascii", errors="replace").decode("ascii")
    return "(" + ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _modules(code: segno.QRCode, left: float, top: float, module: float) -> Iterable[str]:
    """One rectangle per run of dark modules in a row (a path the reader fills at once)."""
    for row_index, start, length in dark_runs(code.matrix):
        y = top - (row_index + 1) * module
        # A hair taller than a module, reaching into the row above: no hairline seams between rows when a
        # reader anti-aliases the edges.
        yield f"{left + start * module:.3f} {y:.3f} {length * module:.3f} {module + SEAM:.3f} re"


def sheet_pdf(url: str, subject_code: str) -> bytes:
    """An A4 page: a heading, the code 12 cm wide in the middle, the subject's code and the address below."""
    code = make(url)
    width, height = A4
    modules = len(code.matrix)
    module = SHEET_CODE_SIZE / modules
    left = (width - SHEET_CODE_SIZE) / 2
    top = height - 190.0
    lines = [
        "BT /F2 26 Tf 1 0 0 1 72 752 Tm " + _pdf_text("Public credit information") + " Tj ET",
        "BT /F1 14 Tf 1 0 0 1 72 728 Tm " + _pdf_text("Scan the code to see this business's credit records") + " Tj ET",
        "BT /F1 14 Tf 1 0 0 1 72 710 Tm " + _pdf_text("and to file a complaint.") + " Tj ET",
        "0 0 0 rg",
        *_modules(code, left, top, module),
        "f",
        f"BT /F2 16 Tf 1 0 0 1 72 {top - SHEET_CODE_SIZE - 40:.1f} Tm "
        + _pdf_text(f"Unified social credit code: {subject_code}")
        + " Tj ET",
        f"BT /F1 10 Tf 1 0 0 1 72 {top - SHEET_CODE_SIZE - 62:.1f} Tm " + _pdf_text(url) + " Tj ET",
    ]
    content = "\n".join(lines).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>" % (int(width), int(height)),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    """A PDF 1.4 file of numbered objects (1 is the catalog), with its cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
