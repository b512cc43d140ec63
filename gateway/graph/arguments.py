"""Argument checks the core's GraphQL resolvers share, each failing with a stable code, and the one
conversion every stored timestamp needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any, Literal, overload

from gateway.auth.principal import Principal, Role
from gateway.kernel.errors import (
    FORBIDDEN,
    INVALID_SUBJECT_CODE,
    UNAUTHENTICATED,
    BadUserInput,
    GatewayError,
    InvalidSubjectCode,
    LimitExceeded,
)
from gateway.kernel.identifiers import SubjectCode, parse_subject_code
from gateway.kernel.limits import MAX_ARGUMENT_TEXT as MAX_TEXT


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns; everything stored is UTC."""
    if value is None:
        return None
    return value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def require(principal: Principal, roles: tuple[Role, ...], what: str) -> None:
    """Refuse a principal outside ``roles``: UNAUTHENTICATED without a key, else FORBIDDEN."""
    if principal.role in roles:
        return
    if not principal.is_authenticated:
        raise GatewayError(f"{what} needs an API key (Authorization: Bearer <key>).", UNAUTHENTICATED)
    allowed = " or ".join(role.value for role in roles)
    raise GatewayError(f"{what} is for {allowed} keys; this is a {principal.role.value} key.", FORBIDDEN)


def int_id(value: str, argument: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadUserInput(f"{argument} must be a numeric id", argument=argument) from None
    if not 0 < number < 2**31:
        raise BadUserInput(f"{argument} is out of range", argument=argument)
    return number


@overload
def text(value: str | None, argument: str, maximum: int = ..., *, required: Literal[True] = ...) -> str: ...
@overload
def text(value: str | None, argument: str, maximum: int = ..., *, required: bool) -> str | None: ...
def text(value: str | None, argument: str, maximum: int = MAX_TEXT, *, required: bool = True) -> str | None:
    """The trimmed text (None when empty and not required), or BAD_USER_INPUT when missing but required
    or longer than ``maximum``."""
    trimmed = (value or "").strip()
    if not trimmed:
        if required:
            raise BadUserInput(f"{argument} must not be empty", argument=argument)
        return None
    if len(trimmed) > maximum:
        raise BadUserInput(
            f"{argument} is limited to {maximum} characters; {len(trimmed)} were given",
            argument=argument,
            maximum=maximum,
        )
    return trimmed


def subject_codes(codes: Sequence[str], maximum: int, uscc_allow_list: Collection[str] = ()) -> list[SubjectCode]:
    """A batch of subject codes, each checked before anything runs: LIMIT_EXCEEDED over ``maximum``;
    INVALID_SUBJECT_CODE listing every bad one (``extensions.invalid``: index, code, reason)."""
    if len(codes) > maximum:
        raise LimitExceeded("codes", len(codes), maximum)
    parsed: list[SubjectCode] = []
    invalid: list[dict[str, Any]] = []
    for index, code in enumerate(codes):
        try:
            parsed.append(parse_subject_code(code, uscc_allow_list=uscc_allow_list))
        except InvalidSubjectCode as exc:
            invalid.append({"index": index, "code": code[:32], "reason": exc.extensions["reason"]})
    if invalid:
        raise GatewayError(
            f"{len(invalid)} of {len(codes)} codes are not valid subject codes", INVALID_SUBJECT_CODE, invalid=invalid
        )
    return parsed
