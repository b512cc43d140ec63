"""Characters no text the gateway stores may hold, so that both databases treat input alike.

PostgreSQL refuses NUL in text (a database error, so a 500) and cannot encode an unpaired surrogate
in UTF-8; SQLite stores NUL but compares strings up to it, so a search name of NUL matches every
subject. The other control characters are refused too: no credit record holds them legitimately,
they are invisible on screens and in the spreadsheets departments export, and they are the usual
sign of a mis-decoded file. Refused:

* the C0 controls U+0000–U+001F except tab, line feed and carriage return (text fields such as
  facts and reasons are multi-line);
* DEL (U+007F) and the C1 controls U+0080–U+009F;
* unpaired surrogates U+D800–U+DFFF (no UTF-8 form; they reach Python from escaped input).

The GraphQL layer (:mod:`gateway.server.extensions.text_input`) and the bulk import runner
(:mod:`gateway.write.importing`) apply this one rule.
"""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Names of the C0 controls seen most, so that a report reads "U+0000 (NUL)" rather than a bare number.
_NAMES = {0x00: "NUL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED", 0x1B: "ESCAPE", 0x7F: "DELETE"}

RULE = "control characters (other than tab, line feed and carriage return) and unpaired surrogates are not accepted"


def character_label(char: str) -> str:
    """``U+0000 (NUL)``: how a refused character is named in messages, never the character itself."""
    point = ord(char)
    if 0xD800 <= point <= 0xDFFF:
        return f"U+{point:04X} (unpaired surrogate)"
    name = _NAMES.get(point) or unicodedata.name(char, "")
    return f"U+{point:04X} ({name})" if name else f"U+{point:04X}"


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The position and label of the first refused character of ``text``, or None when it has none."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return found.start(), character_label(found.group())


def problem(text: str) -> str | None:
    """Why ``text`` is refused (a sentence without the character itself), or None when it is acceptable."""
    found = forbidden_character(text)
    if found is None:
        return None
    position, label = found
    return f"contains the control character {label} at position {position + 1}; {RULE}"
