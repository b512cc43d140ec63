"""Editing a catalogue's text for the admin's run-time changes (gateway.features.measures.versions): set the
version label, set a measure's ``valid_until``, replace or append one ``[[measure]]`` table. Edits work on the
text, not on parsed data, so that a stored version keeps the admin's comments and layout; every result is
loaded again by :func:`~gateway.features.measures.catalogue.load_catalogue`, which is the check.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

from gateway.features.measures.catalogue import Catalogue, CatalogueError, Measure, _Lines, _measure


def key_line(text: str, key: str) -> int:
    """The line of a top-level ``key = …`` (before the first measure), else 1."""
    return _Lines(text).of_key(None, key)


def with_version(text: str, label: str) -> str:
    """The text with its top-level ``version`` set to ``label`` (the line replaced, or added first)."""
    lines = text.splitlines()
    entry = f'version = "{label}"'
    found = _Lines(text)
    line = found.of_key(None, "version")
    if re.match(r"^\s*version\s*=", lines[line - 1] if lines else ""):
        lines[line - 1] = entry
    else:
        lines.insert(0, entry)
    return "\n".join(lines) + "\n"


def _section(text: str, catalogue: Catalogue, measure_id: str) -> tuple[list[str], int, int] | None:
    """The text's lines and the [start, end) line indexes (0-based) of the measure's table."""
    measure = catalogue.get(measure_id)
    if measure is None:
        return None
    lines = text.splitlines()
    headers = _Lines(text).headers
    start = measure.line - 1
    later = [h - 1 for h in headers if h - 1 > start]
    return lines, start, later[0] if later else len(lines)


def with_valid_until(text: str, catalogue: Catalogue, measure_id: str, until: dt.date) -> str | None:
    """The text with the measure's ``valid_until`` set (replaced, or added after ``valid_from``); None when
    the catalogue has no such measure. The result still has to be loaded: that is the check."""
    found = _section(text, catalogue, measure_id)
    if found is None:
        return None
    lines, start, end = found
    entry = f"valid_until = {until.isoformat()}"
    for n in range(start, end):
        if re.match(r"^\s*valid_until\s*=", lines[n]):
            lines[n] = entry
            break
    else:
        after = next((n for n in range(start, end) if re.match(r"^\s*valid_from\s*=", lines[n])), start)
        lines.insert(after + 1, entry)
    return "\n".join(lines) + "\n"


def load_measure(text: str, source: str = "measure") -> Measure:
    """One ``[[measure]]`` table on its own, checked as the catalogue checks it (lines are the text's)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise CatalogueError(source, int(found.group(1)) if found else 1, f"not valid TOML: {exc}") from None
    lines = _Lines(text)
    raw = data.get("measure")
    if set(data) != {"measure"} or not isinstance(raw, list) or len(raw) != 1:
        raise CatalogueError(source, 1, "give exactly one [[measure]] table and nothing else")

    def fail(index: int | None, key: str | None, message: str) -> CatalogueError:
        line = lines.of_key(index, key) if key else lines.of_measure(index or 0)
        return CatalogueError(source, line, message)

    return _measure(raw[0], 0, lines.of_measure(0), fail)


def with_measure(text: str, catalogue: Catalogue, measure_text: str, measure_id: str) -> str:
    """The text with the measure's table replaced by ``measure_text`` (one [[measure]] table), or appended."""
    table = measure_text.strip() + "\n"
    found = _section(text, catalogue, measure_id)
    if found is None:
        return text.rstrip("\n") + "\n\n" + table
    lines, start, end = found
    return "\n".join([*lines[:start], *table.splitlines(), "", *lines[end:]]).rstrip("\n") + "\n"
