"""Names for people of what plugins contribute, read from the plugins' own descriptions.

The core names no domain, so the page cannot keep a table of domain names. Plugins describe their fields
and types with the Chinese term in brackets (``"Urban management (城市管理): penalties, …"``, ``"A major tax
violation … (重大税收违法失信主体): …"``): the first bracketed Chinese term is the name shown. Whatever has
none is shown under its plugin or type name.
"""

from __future__ import annotations

import re
from typing import Any

_BRACKETED_CHINESE = re.compile(r"[(（]\s*([\u4e00-\u9fff][^()（）]{0,30}?)\s*[)）]")


def chinese_label(description: str | None) -> str | None:
    found = _BRACKETED_CHINESE.search(description or "")
    return found.group(1) if found else None


def domain_labels(composition: Any) -> dict[str, str]:
    """Each domain plugin (in the composition's order) with its name for people: the bracketed Chinese term
    of the ``CreditSubject`` field it adds, else its plugin name."""
    described = {
        owned.plugin: label
        for owned in composition.subject_fields
        if (label := chinese_label(owned.item.description)) is not None
    }
    return {name: described.get(name, name) for name in composition.plugin_names}
