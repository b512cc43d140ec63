"""The extract as a PDF (A4, in Chinese): drawn with fpdf2, which embeds the subset of the CJK font the text
uses, so that it renders in any reader and its text can be copied and extracted.

The font is Noto Sans CJK SC (SIL Open Font License) from the mplfonts package, a dependency of the gateway,
so nothing is installed by hand; ``CREDIT_GATEWAY_EXTRACT_FONT`` may name another OpenType or TrueType font.
The signed payload and its signature are in the PDF's Keywords (``credit-gateway-extract:<payload>.<sig>``,
both base64url, ASCII), where a verifier finds them without parsing the file; the document prints the key
id and the key's fingerprint, and a QR code of the public verification page.

Drawing takes a few hundred milliseconds (the font is parsed each time): callers run it in a thread.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.kernel.errors import ConfigurationError

KEYWORDS_PREFIX = "credit-gateway-extract:"
TITLE = "信用信息摘要"
ISSUER = "公共信用信息服务平台"
FONT = "cjk"
INK = (0, 0, 0)
RED = (190, 20, 30)
GREY = (90, 90, 90)
RULE = (170, 170, 170)
MARGIN = 20.0  # mm
LABEL_WIDTH = 42.0  # mm: the label column of the facts and of each section (ten characters)
QR_SIZE = 30.0  # mm
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class ExtractContent:
    """Everything the document prints."""

    number: str
    subject_name: str
    subject_code: str  # as shown: a person's ID number masked
    subject_is_person: bool
    issued_on: dt.date
    valid_until: dt.date
    purpose: str
    requester: str
    sections: Sequence[dict[str, Any]]  # [{"id", "title", "rows": [{"label", "text"}], "empty": str}]
    verify_url: str
    key_id: str
    key_fingerprint: str
    keywords: str  # the signed payload and signature, for the PDF's metadata


def default_font() -> Path:
    # Found without importing mplfonts: its __init__ imports matplotlib (and numpy), some 70 MB that every
    # serving worker would carry, since the startup check below looks for the font.
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("The mplfonts package (the credit extract's default font) is not installed")
    return Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"


def font_path(setting: Path | None) -> Path:
    path = setting or default_font()
    if not path.is_file():
        raise ConfigurationError(f"The credit extract's font {path} does not exist (CREDIT_GATEWAY_EXTRACT_FONT)")
    return path


# Chinese typesetting (禁则): these never begin a line, so the character before them goes down with them.
NO_LINE_START = set("，。、；：？！）》」』”’〕】%．,.;:?!)]")


def section_heading(index: int, title: str) -> str:
    numeral = NUMERALS[index] if index < len(NUMERALS) else str(index + 1)
    return f"{numeral}、{title}"


def render(content: ExtractContent, font: Path) -> bytes:
    """The extract's PDF. fpdf2 is imported here, not at the top: it pulls in numpy, Pillow and fontTools
    (about 55 MB of memory), which every serving worker would otherwise carry for the rare request that
    issues an extract."""
    from gateway.features.extracts.drawing import draw

    return draw(content, font)
