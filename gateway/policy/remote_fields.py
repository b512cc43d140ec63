"""Declared visibilities of remote subgraphs' fields (setting ``subgraph_visibility``).

A remote field is invisible until declared. Keys, from the most to the least specific:

* ``"<subgraph>:<Type>.<field>"``: one field, as that subgraph serves it;
* ``"<subgraph>:<Type>"``: every field of a type that subgraph serves, without its own declaration;
* ``"<subgraph>"``: every field of that subgraph without a narrower declaration;
* ``"*"``: every field of every other remote subgraph.

Values are visibilities as plugins declare them (gateway.policy.visibility). A partner-grantable group
(``partner:<group>``) is declared on a field or a type only (a whole subgraph is never one consent
group: its root fields are not about one subject) and is named after the subgraph, ``<subgraph>.<name>``,
as a plugin's are named after the plugin. These groups join the plugins' ones in partners' contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.kernel.errors import ConfigurationError
from gateway.policy.visibility import check_visibility, partner_group

EVERY_SUBGRAPH = "*"


@dataclass(frozen=True)
class RemoteDeclarations:
    """``subgraph_visibility`` checked and split by the kind of key."""

    by_subgraph: Mapping[str, str]  # subgraph name or * -> visibility
    by_type: Mapping[tuple[str, str], str]  # (subgraph, type) -> visibility
    by_field: Mapping[tuple[str, str, str], str]  # (subgraph, type, field) -> visibility

    @classmethod
    def parse(cls, visibilities: Mapping[str, str]) -> RemoteDeclarations:
        """Raises ConfigurationError naming the key at fault."""
        by_subgraph: dict[str, str] = {}
        by_type: dict[tuple[str, str], str] = {}
        by_field: dict[tuple[str, str, str], str] = {}
        for key, visibility in visibilities.items():
            subgraph, colon, member = key.partition(":")
            group = partner_group(visibility)
            try:
                # A partner group is owned by the subgraph it is declared for, as a plugin owns its groups.
                check_visibility(visibility, subgraph if colon and subgraph != EVERY_SUBGRAPH else None)
            except ConfigurationError as exc:
                raise ConfigurationError(f"subgraph_visibility[{key!r}]: {exc}") from exc
            if not colon:
                if group is not None:
                    raise ConfigurationError(
                        f"subgraph_visibility[{key!r}]: partner groups ({visibility}) are declared on a field or "
                        f'a type ("{key}:Type.field" or "{key}:Type"), never on a whole subgraph'
                    )
                by_subgraph[key] = visibility
                continue
            type_name, dot, field_name = member.partition(".")
            if subgraph in ("", EVERY_SUBGRAPH) or not type_name or (dot and not field_name):
                raise ConfigurationError(
                    f"subgraph_visibility key {key!r} must read <subgraph>, <subgraph>:<Type>, "
                    "<subgraph>:<Type>.<field> or *"
                )
            if dot:
                by_field[(subgraph, type_name, field_name)] = visibility
            else:
                by_type[(subgraph, type_name)] = visibility
        return cls(by_subgraph, by_type, by_field)

    def visibility(self, subgraph: str, type_name: str, field_name: str) -> str | None:
        """The declared visibility of a field as ``subgraph`` serves it; None: undeclared (invisible)."""
        for found in (
            self.by_field.get((subgraph, type_name, field_name)),
            self.by_type.get((subgraph, type_name)),
            self.by_subgraph.get(subgraph),
            self.by_subgraph.get(EVERY_SUBGRAPH),
        ):
            if found is not None:
                return found
        return None

    def subgraphs_named(self) -> set[str]:
        """Every subgraph a key names (not ``*``)."""
        named = {name for name in self.by_subgraph if name != EVERY_SUBGRAPH}
        named.update(subgraph for subgraph, _ in self.by_type)
        named.update(subgraph for subgraph, _, _ in self.by_field)
        return named

    def partner_declarations(self) -> dict[str, dict[str, str]]:
        """Per subgraph, its partner-group declarations as plugins write theirs (``"Type.field"`` or
        ``"Type"`` -> ``partner:<group>``): what the gateway's policies learn, so contracts may name them."""
        found: dict[str, dict[str, str]] = {}
        for (subgraph, type_name), visibility in self.by_type.items():
            if partner_group(visibility) is not None:
                found.setdefault(subgraph, {})[type_name] = visibility
        for (subgraph, type_name, field_name), visibility in self.by_field.items():
            if partner_group(visibility) is not None:
                found.setdefault(subgraph, {})[f"{type_name}.{field_name}"] = visibility
        return found

    def partner_groups(self) -> set[str]:
        """Every partner group declared for remote fields."""
        return {
            group
            for visibility in (*self.by_type.values(), *self.by_field.values())
            if (group := partner_group(visibility)) is not None
        }
