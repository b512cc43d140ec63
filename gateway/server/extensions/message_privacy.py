"""Error messages that name only what the caller sent, for audiences that may not introspect.

graphql-core's validation and coercion messages name the schema's types at the position of a
mistake ("Field 'tax' of type 'TaxProfile' must have a selection of subfields"), and sometimes
arguments or input fields the caller never wrote. With a word list that maps the schema as surely
as introspection would. :func:`redact` rewrites every such message of graphql-core 3.3 (its
``validation/rules``, ``utilities/validate_input_value.py``, ``execution/values.py`` and the
built-in scalars and enums) to neutral wording that keeps what the caller wrote: its fields,
aliases, variables, fragments, type conditions and values. Whatever message this table misses,
the last step still replaces every quoted type name the document did not write.

The names of the root types stay: ``{ __typename }`` answers them to anyone, and the hint for a
mutation outside the caller's audience (:mod:`gateway.server.extensions.error_policy`) reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLSchema, NameNode, Visitor, visit

_Q = r"'(?P<{}>[^']+)'"  # a quoted name or type, '[TaxProfile!]!'
_WRAPPERS = "[]! "


def _named(type_text: str) -> str:
    """``[TaxProfile!]!`` → ``TaxProfile``."""
    return type_text.strip(_WRAPPERS)


@dataclass(frozen=True, slots=True)
class _Rule:
    """A message shape. Groups named ``t``, ``t2`` hold the schema's types: the rule applies when
    one of them is not shown (not a root type); groups named otherwise hold what the caller wrote.
    A rule without type groups always applies (it hides an argument or field name)."""

    pattern: re.Pattern[str]
    replacement: Callable[[re.Match[str]], str]

    def applies(self, match: re.Match[str], shown: frozenset[str]) -> bool:
        types = [value for name, value in match.groupdict().items() if name.startswith("t") and value is not None]
        return not types or any(_named(value) not in shown for value in types)


def _rule(pattern: str, template: str) -> _Rule:
    return _Rule(re.compile(pattern), lambda match: match.expand(template))


def _q(group: str) -> str:
    return _Q.format(group)


_RULES: tuple[_Rule, ...] = (
    # validation/rules/fields_on_correct_type.py
    _rule(rf"Cannot query field {_q('f')} on type {_q('t')}\.", r"Cannot query field '\g<f>' here."),
    # validation/rules/scalar_leafs.py
    _rule(
        rf"Field {_q('f')} must not have a selection since type {_q('t')} has no subfields\.",
        r"Field '\g<f>' must not have a selection of subfields.",
    ),
    _rule(
        rf"Field {_q('f')} of type {_q('t')} must have a selection of subfields\.(?: Did you mean '[^']*'\?)?",
        r"Field '\g<f>' must have a selection of subfields.",
    ),
    _rule(
        rf"Field {_q('f')} of type {_q('t')} must have at least one field selected\.",
        r"Field '\g<f>' must have at least one field selected.",
    ),
    # validation/rules/known_argument_names.py
    _rule(
        r"Unknown argument (?P<a>'[^']+') on field '(?P<t>[^'.]+)\.(?P<f>[^']+)'\.",
        r"Unknown argument \g<a> on field '\g<f>'.",
    ),
    # validation/rules/possible_fragment_spreads.py (the type condition is the caller's)
    _rule(
        rf"Fragment (?P<n>'[^']+' )?cannot be spread here as objects of type {_q('t')} "
        rf"can never be of type {_q('c')}\.",
        r"Fragment \g<n>cannot be spread here: objects here can never be of type '\g<c>'.",
    ),
    # validation/rules/provided_required_arguments.py: names an argument the caller did not write
    _rule(
        r"Argument '(?:[^'.(]+\.)?(?P<f>[^'.(]+)\([^':)]+:\)' of type '[^']+' is required, but it was not provided\.",
        r"Field '\g<f>' is missing a required argument.",
    ),
    # validation/rules/variables_in_allowed_position.py (the variable's type is the caller's)
    _rule(
        rf"Variable '\$(?P<v>[^']+)' of type {_q('w')} used in position expecting type {_q('t')}\.",
        r"Variable '$\g<v>' of type '\g<w>' cannot be used in this position.",
    ),
    _rule(
        rf"Variable '\$(?P<v>[^']+)' is of type {_q('w')} but must be non-nullable to be used for OneOf Input "
        rf"Object {_q('t')}\.",
        r"Variable '$\g<v>' of type '\g<w>' must be non-nullable in this position.",
    ),
    # validation/rules/overlapping_fields_can_be_merged.py
    _rule(rf"they return conflicting types {_q('t')} and {_q('t2')}", "they return conflicting types"),
    # validation/rules/stream_directive_on_list_field.py
    _rule(
        rf"Stream directive cannot be used on non-list field(?P<f>.*?) on type {_q('t')}\.",
        r"Stream directive cannot be used on non-list field\g<f>.",
    ),
    # utilities/validate_input_value.py (literals, and variables through execution/values.py)
    _rule(rf"Expected a value of non-null type {_q('t')} to be provided\.", "Expected a value to be provided."),
    _rule(rf"Expected value of non-null type {_q('t')} not to be None\.", "Expected a non-null value."),
    _rule(rf"Expected value of type {_q('t')} to be an object, found: ", "Expected an input object, found: "),
    _rule(
        r"Expected value of type '[^']+' to include required field '[^']+', found: ",
        "Expected an input object with all its required fields, found: ",
    ),
    _rule(
        r"Expected value of type '[^']+' not to include unknown field (?P<f>'[^']+')"
        r"(?:\. Did you mean .*?\? Found|, found): ",
        r"Unknown input field \g<f>, found: ",
    ),
    _rule(
        rf"Expected value of type {_q('t')}, but encountered error '(?P<e>.*?)'; found: ",
        r"Invalid value ('\g<e>'), found: ",
    ),
    _rule(rf"Expected value of type {_q('t')}, found: ", "Invalid value, found: "),
    _rule(
        rf"Expected variable '\$(?P<v>[^']+)' provided to (?:non-null )?type {_q('t')} "
        r"(?P<r>to provide a runtime value|not to be None)\.",
        r"Expected variable '$\g<v>' \g<r>.",
    ),
    _rule(
        rf"Expected variable '\$(?P<v>[^']+)' provided to field {_q('f')} for OneOf Input Object type {_q('t')} ",
        r"Expected variable '$\g<v>' provided to field '\g<f>' ",
    ),
    _rule(rf"Within OneOf Input Object type {_q('t')}, exactly one field", "Exactly one field"),
    # type/definition.py (enums) and type/scalars.py: their names say what an argument expects
    _rule(rf"Value {_q('v')} does not exist in {_q('t')} enum\.", r"Value '\g<v>' is not valid here."),
    _rule(rf"Enum {_q('t')} cannot represent non-(?:enum|string) value: ", "Invalid value: "),
    _rule(r"\b(?P<t>[_A-Za-z]\w*) cannot represent [^:]*: ", "Invalid value: "),
    # execution/values.py: a variable's value, whose inner message the rules above made plain
    _rule(r"(?P<h>has invalid (?:default )?value[^:]*): Invalid value(?:, found)?: ", r"\g<h>: "),
    # execution/values.py: an argument given by a variable the request did not provide
    _rule(rf"(?P<a>Argument '[^']+') of required type {_q('t')} was not provided\.", r"\g<a> was not provided."),
)
_QUOTED = re.compile(r"'([^']*)'")


def redact(message: str, hidden: frozenset[str], shown: frozenset[str]) -> str:
    """``message`` with the schema's type names (and argument or input-field names the caller did
    not write) replaced; ``hidden``: the type names the caller did not write, ``shown``: the root
    types, which may stay."""
    for rule in _RULES:
        message = rule.pattern.sub(
            lambda match, rule=rule: rule.replacement(match) if rule.applies(match, shown) else match.group(0),
            message,
        )
    return _QUOTED.sub(lambda match: "'…'" if _named(match.group(1)) in hidden else match.group(0), message)


class _Names(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_name(self, node: NameNode, *_: object) -> None:
        self.names.add(node.value)


def written_names(document: DocumentNode | None) -> frozenset[str]:
    """Every name the document spells: its fields, fragments, type conditions, variable types."""
    if document is None:
        return frozenset()
    names = _Names()
    visit(document, names)
    return frozenset(names.names)


def root_type_names(schema: GraphQLSchema) -> frozenset[str]:
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return frozenset(root.name for root in roots if root is not None)


def hidden_type_names(schema: GraphQLSchema, written: Iterable[str]) -> frozenset[str]:
    """The schema's type names a message may not show: all but the root types, the introspection
    types (the GraphQL specification's) and the names the caller wrote."""
    return (
        frozenset(name for name in schema.type_map if not name.startswith("__"))
        - root_type_names(schema)
        - frozenset(written)
    )


__all__ = ["hidden_type_names", "redact", "root_type_names", "written_names"]
