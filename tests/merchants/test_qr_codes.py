"""The QR codes of a merchant page, as downloaded: a PNG, an SVG and an A4 PDF sheet, each well formed and
encoding the page's address (never the subject's code). No QR decoder is a dependency: the codes are checked
against segno's own encoding of the address, and decoded with zbarimg where it is installed."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import segno
from merchant_seeds import GOOD_CODE, issue, seed_good

from gateway.features.merchants import qr
from gateway.testing import GatewayHarness

URL = "https://credit.example.gov.cn/m/" + "A" * 32


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def png_is_complete(png: bytes) -> bool:
    """Every chunk's CRC holds and the file ends with IEND."""
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        if zlib.crc32(kind + data) != crc:
            return False
        position += 12 + length
        if kind == b"IEND":
            return position == len(png)
    return False


def test_the_png_and_svg_are_the_address_as_segno_encodes_it() -> None:
    expected = segno.make(URL, error=qr.ERROR_LEVEL)
    side = (len(expected.matrix) + 2 * qr.BORDER) * qr.PNG_SCALE
    png = qr.png(URL)
    assert png_is_complete(png) and png_size(png) == (side, side)
    svg = ET.fromstring(qr.svg(URL))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert (svg.get("width"), svg.get("height")) == (str(side), str(side))
    assert expected.error == "Q" and expected.mode == "byte"


def test_the_sheet_is_a_valid_one_page_pdf() -> None:
    pdf = qr.sheet_pdf(URL, GOOD_CODE)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at each object.
    start = int(re.search(rb"startxref\n(\d+)", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[start:].startswith(b"xref")
    offsets = [int(line[:10]) for line in pdf[start:].split(b"\n")[3:9]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number), number
    assert b"/Count 1" in pdf and GOOD_CODE.encode() in pdf and URL.encode() in pdf
    # One filled rectangle per run of dark modules: the code itself is on the page.
    dark_runs = sum(len(re.findall(r"1+", "".join(str(int(bit)) for bit in row))) for row in qr.make(URL).matrix)
    assert sum(1 for line in pdf.split(b"\n") if line.endswith(b" re")) == dark_runs


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_the_sheet_renders(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(qr.sheet_pdf(URL, GOOD_CODE))
    done = subprocess.run(["pdftoppm", "-png", "-r", "50", str(sheet), str(tmp_path / "page")], capture_output=True)
    assert done.returncode == 0 and not done.stderr, done.stderr
    page = (tmp_path / "page-1.png").read_bytes()
    assert png_size(page) == (414, 585)  # A4 at 50 dpi, rounded up


def _png_rows(png: bytes) -> list[bytes]:
    """The unfiltered scanlines of a one-byte-per-pixel-step PNG (segno writes 1-bit greyscale)."""
    width, height = png_size(png)
    bit_depth, colour_type = png[24], png[25]
    assert (bit_depth, colour_type) == (1, 0), (bit_depth, colour_type)
    data, position = b"", 8
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        if kind == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    raw, stride = zlib.decompress(data), (width + 7) // 8
    rows: list[bytes] = []
    previous = bytes(stride)
    for index in range(height):
        kind, line = raw[index * (stride + 1)], bytearray(raw[index * (stride + 1) + 1 : (index + 1) * (stride + 1)])
        for i in range(stride):
            left, up, corner = (line[i - 1] if i else 0), previous[i], (previous[i - 1] if i else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                nearest = min(
                    (abs(estimate - left), 0, left), (abs(estimate - up), 1, up), (abs(estimate - corner), 2, corner)
                )
                line[i] = (line[i] + nearest[2]) & 0xFF
        rows.append(bytes(line))
        previous = bytes(line)
    return rows


def test_the_png_shows_exactly_the_modules_of_the_address() -> None:
    """Read back, module by module (the centre pixel of each): the PNG is segno's code of the address."""
    rows = _png_rows(qr.png(URL))
    expected = [[bool(bit) for bit in row] for row in segno.make(URL, error=qr.ERROR_LEVEL).matrix]
    centre = qr.PNG_SCALE // 2

    def dark(x: int, y: int) -> bool:
        return not rows[y][x // 8] >> (7 - x % 8) & 1  # 0 is black

    seen = [
        [dark((qr.BORDER + column) * qr.PNG_SCALE + centre, (qr.BORDER + row) * qr.PNG_SCALE + centre)
         for column in range(len(expected))]
        for row in range(len(expected))
    ]  # fmt: skip
    assert seen == expected
    assert not any(dark(x, 1) for x in range(len(rows[0]) * 8 - 8))  # the quiet zone is light


async def test_the_downloads_encode_the_public_address(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url, public_url="https://credit.example.gov.cn/") as gw:
        if database_url is not None:
            await gw.truncate()
        await seed_good(gw)
        page = await issue(gw, GOOD_CODE, await gw.create_key("admin"))
        url = f"https://credit.example.gov.cn/m/{page['token']}"
        assert page["url"] == url and page["qrPngUrl"] == url + "/qr.png"
        path = f"/m/{page['token']}"
        png = await gw.client.get(path + "/qr.png")
        assert png.headers["content-type"] == "image/png" and png.content == qr.png(url)
        assert png.headers["content-disposition"] == f'attachment; filename="merchant-{GOOD_CODE}.png"'
        svg = await gw.client.get(path + "/qr.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml") and svg.content == qr.svg(url)
        pdf = await gw.client.get(path + "/qr.pdf")
        assert pdf.headers["content-type"] == "application/pdf" and url.encode() in pdf.content
        assert GOOD_CODE not in url  # the code encodes the token's address, not the subject
