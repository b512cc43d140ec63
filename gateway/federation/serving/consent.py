"""Which remote objects are about a subject, and which remote fields are consent-scoped (``partner:<group>``).

The rule that ties a remote object to a subject (declared here, and in the README): an object of type
``CreditSubject`` is about the subject its ``code`` names (credit-gateway's own entity, keyed by
``code``, which remote subgraphs extend); an object of any other type with a field ``subjectCode`` is
about the subject that field names. Nothing else is about a subject, so a partner group may only be
declared on fields of such types, and those fields must be nullable: a refused one reads ``null`` with a
``FORBIDDEN_FIELD`` error and the rest of the response stands, as for the plugins' own groups.

The query record notes every remote field handed out about a subject, and of the remote fields about no
subject those declared for some audiences but not the public (:attr:`ConsentRules.recorded`).

:class:`ConsentRules` is worked out once per loaded supergraph; the run-time half is
gateway.federation.serving.subjects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from graphql import GraphQLNonNull, GraphQLObjectType

from gateway.federation.model import Supergraph
from gateway.kernel.errors import ConfigurationError
from gateway.policy.remote_fields import RemoteDeclarations
from gateway.policy.visibility import PUBLIC, partner_group

SUBJECT_TYPE = "CreditSubject"
SUBJECT_TYPE_CODE = "code"  # CreditSubject's key
SUBJECT_CODE_FIELD = "subjectCode"  # any other type: the field naming its subject


def resolving_subgraphs(supergraph: Supergraph, type_name: str, field_name: str) -> frozenset[str]:
    """The subgraphs that may resolve a field (a field served by several: every one of them)."""
    served = supergraph.types.get(type_name)
    if served is None or field_name not in served.fields:
        return frozenset()
    member = served.fields[field_name]
    return member.resolved_by or frozenset(e.subgraph for e in member.subgraphs) or served.defined_in


def subject_code_field(named: object) -> str | None:
    """The field that names an object's subject (the rule above), or None when the type is not about one."""
    if not isinstance(named, GraphQLObjectType):
        return None
    if named.name == SUBJECT_TYPE and SUBJECT_TYPE_CODE in named.fields:
        return SUBJECT_TYPE_CODE
    return SUBJECT_CODE_FIELD if SUBJECT_CODE_FIELD in named.fields else None


@dataclass(frozen=True)
class ConsentRules:
    # Object type about a subject, with a field some remote subgraph serves -> the field naming its subject.
    tied: Mapping[str, str]
    # (type, field) -> its partner group, for the remote fields declared partner:<group>.
    groups: Mapping[tuple[str, str], str]
    # (type, field) of a tied type -> the remote subgraphs that serve it (not the in-process one), for
    # the query record; fields only the in-process subgraph serves are recorded by its own extension.
    remote: Mapping[tuple[str, str], tuple[str, ...]]
    # (type, field) of an object type about no subject (root types included) -> the remote subgraphs that
    # serve it, for the query record too, when a declaration other than public restricts it there: data
    # not for everyone, which a remote service may hold about people in types of its own.
    recorded: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def recorded_types(self) -> frozenset[str]:
        return frozenset(type_name for type_name, _ in self.recorded)

    @classmethod
    def build(cls, supergraph: Supergraph, declarations: RemoteDeclarations, local_subgraph: str) -> ConsentRules:
        schema = supergraph.api_schema
        tied: dict[str, str] = {}
        remote: dict[tuple[str, str], tuple[str, ...]] = {}
        recorded: dict[tuple[str, str], tuple[str, ...]] = {}
        for named in schema.type_map.values():
            if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
                continue
            code_field = subject_code_field(named)
            for field_name in named.fields:
                serving = resolving_subgraphs(supergraph, named.name, field_name)
                if not serving or local_subgraph in serving:
                    continue  # the in-process subgraph guards and records its own fields
                if code_field is not None:
                    remote[(named.name, field_name)] = tuple(sorted(serving))
                    tied[named.name] = code_field  # only types with remote fields
                    continue
                restricted = [s for s in serving if _restricted(declarations.visibility(s, named.name, field_name))]
                if restricted:
                    recorded[(named.name, field_name)] = tuple(sorted(restricted))
        return cls(tied, _groups(supergraph, declarations, local_subgraph), remote, recorded)


def _restricted(visibility: str | None) -> bool:
    """Declared for some audiences but not the public (undeclared: nobody sees it, so nobody is handed it)."""
    return visibility is not None and PUBLIC not in visibility.split(",")


def _groups(
    supergraph: Supergraph, declarations: RemoteDeclarations, local_subgraph: str
) -> dict[tuple[str, str], str]:
    groups: dict[tuple[str, str], str] = {}
    for named in supergraph.api_schema.type_map.values():
        if named.name.startswith("__") or not hasattr(named, "fields"):
            continue
        code_field = subject_code_field(named)
        for field_name in named.fields:  # type: ignore[attr-defined]
            serving = resolving_subgraphs(supergraph, named.name, field_name) - {local_subgraph}
            found = {
                group
                for subgraph in serving
                if (group := partner_group(declarations.visibility(subgraph, named.name, field_name) or "")) is not None
            }
            explicit = any((s, named.name, field_name) in declarations.by_field for s in serving)
            if field_name == code_field and not explicit:
                continue  # a type's group never covers the field that names the subject: it decides the rest
            if found:
                groups[(named.name, field_name)] = sorted(found)[0] if len(found) == 1 else ",".join(sorted(found))
    return groups


def check_partner_fields(supergraph: Supergraph, declarations: RemoteDeclarations, local_subgraph: str) -> None:
    """At load: every remote partner-grantable field is nullable, about a subject, served remotely only,
    in one group, and not the field that names the subject."""
    problems: list[str] = []
    schema = supergraph.api_schema
    for (type_name, field_name), group in sorted(_groups(supergraph, declarations, local_subgraph).items()):
        named = schema.type_map[type_name]
        code_field = subject_code_field(named)
        where = f"{type_name}.{field_name} (partner:{group})"
        if "," in group:
            problems.append(f"{where}: its subgraphs declare different groups")
        if code_field is None:
            problems.append(
                f"{where} is on a type that is not about a subject (CreditSubject, or a type with a field "
                f"{SUBJECT_CODE_FIELD})"
            )
        elif field_name == code_field:
            problems.append(f"{where}: the field naming the subject cannot be consent-scoped")
        if isinstance(named.fields[field_name].type, GraphQLNonNull):  # type: ignore[attr-defined]
            problems.append(f"{where} must be nullable")
        if local_subgraph in resolving_subgraphs(supergraph, type_name, field_name):
            problems.append(f"{where} is served in process too: its plugin declares its visibility")
    if problems:
        raise ConfigurationError("remote partner-grantable fields: " + "; ".join(problems))
