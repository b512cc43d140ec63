"""The ``@link`` directives of a supergraph: which specs it uses and under which names.

A spec's elements are named ``<prefix>__<name>`` (``join__Graph``, ``@join__field``) where the prefix
is the spec's name unless ``@link(as:)`` renames it; a directive named like its spec (``@inaccessible``,
``@tag``) keeps the bare prefix, and ``import:`` brings names in unprefixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graphql import DirectiveNode, DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, value_from_ast_untyped

_SPEC_URL = re.compile(r"^https?://[^/]+(?:/[^/]+)*/(?P<name>[A-Za-z_][\w-]*)/v(?P<version>\d+\.\d+)$")
JOIN_VERSIONS = ("0.2", "0.3", "0.4", "0.5")
_INACCESSIBLE_URL = "https://specs.apollo.dev/inaccessible/"
_JOIN_URL = "https://specs.apollo.dev/join/"


@dataclass(frozen=True)
class Links:
    join_prefix: str
    join_version: str
    # The names of @inaccessible (usually "inaccessible"); empty: the supergraph does not link the spec.
    inaccessible: str | None
    # Prefixes of every linked spec ("link", "join", "tag" …) and the names imported unprefixed.
    prefixes: frozenset[str] = field(default_factory=frozenset)
    imported: frozenset[str] = field(default_factory=frozenset)

    def join(self, name: str) -> str:
        return f"{self.join_prefix}__{name}"

    def is_spec_element(self, name: str) -> bool:
        """A type or directive that a linked spec defines (not part of the API schema)."""
        prefix, dunder, _ = name.partition("__")
        return (bool(dunder) and prefix in self.prefixes) or name in self.prefixes or name in self.imported

    def is_inaccessible(self, node: Any) -> bool:
        if self.inaccessible is None or node is None:
            return False
        return any(d.name.value == self.inaccessible for d in getattr(node, "directives", None) or ())


def read_links(document: DocumentNode, error: type[Exception]) -> Links:
    directives: list[DirectiveNode] = [
        directive
        for definition in document.definitions
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode)
        for directive in definition.directives or ()
        if directive.name.value == "link"
    ]
    join: tuple[str, str] | None = None
    inaccessible: str | None = None
    prefixes = {"link"}
    imported: set[str] = set()
    for directive in directives:
        args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
        url = args.get("url")
        match = _SPEC_URL.match(url) if isinstance(url, str) else None
        if match is None:
            raise error(f"@link(url: {url!r}) is not a spec URL such as https://specs.apollo.dev/join/v0.3")
        prefix = args.get("as") or match["name"]
        prefixes.add(prefix)
        for entry in args.get("import") or ():
            name = entry.get("as") or entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str):
                imported.add(name.lstrip("@"))
        if url.startswith(_JOIN_URL):
            if match["version"] not in JOIN_VERSIONS:
                raise error(f"join spec v{match['version']} is not supported; use v{', v'.join(JOIN_VERSIONS)}")
            join = (prefix, match["version"])
        if url.startswith(_INACCESSIBLE_URL):
            inaccessible = prefix
    if join is None:
        raise error(
            'not a supergraph: no @link(url: "https://specs.apollo.dev/join/v0.x") on the schema; compose the '
            "subgraphs first (credit-gateway supergraph compose)"
        )
    return Links(join[0], join[1], inaccessible, frozenset(prefixes), frozenset(imported))
