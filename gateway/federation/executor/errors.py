"""The executor's errors as response entries (``{"message", "path", "extensions"}``), and a subgraph's
own errors carried to the client: its message and ``extensions.code`` kept, ``extensions.serviceName``
added, everything else (locations in the subgraph's document, stack traces, its other extensions)
dropped, and the path replaced by the client's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.federation.executor.type_conditions import TYPE_CONDITION_PREFIX
from gateway.federation.query_plan import LIST_ELEMENT, KeyRenamer
from gateway.kernel.limits import MAX_ERROR_PATH_ELEMENTS

Path = tuple[str | int, ...]
# A subgraph's message longer than this is cut: the body cap bounds it already, but one error's
# message has no reason to be megabytes long in the client's response.
_MAX_MESSAGE_CHARS = 2_000


class TrustedError(dict[str, Any]):
    """An error entry the gateway wrote itself, or its in-process subgraph answered: its code and
    extensions are the gateway's own, already chosen for the client, and are never masked. Masking
    trusts this type, never a code: a remote subgraph may choose any code (``SUBGRAPH_…`` included).
    A dict, so it is serialised as any other error; copies must keep the type (``type(error)(...)``)."""


def error_entry(message: str, code: str, path: Path | None = None, service: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = TrustedError(message=message)
    if path is not None:
        entry["path"] = list(path)
    extensions: dict[str, Any] = {"code": code}
    if service is not None:
        extensions["serviceName"] = service
    entry["extensions"] = extensions
    return entry


def from_subgraph(raw: object, service: str, paths: Iterable[Path | None]) -> list[dict[str, Any]]:
    """One client error per path for the subgraph error ``raw`` (None: an error without a path). The
    in-process subgraph's errors (a :class:`TrustedError`, marked by its transport) keep all their
    extensions and stay trusted: they are the local engine's, already policy-checked and coded."""
    message = "Subgraph error"
    kept: dict[str, Any] = {}
    trusted = isinstance(raw, TrustedError)
    if isinstance(raw, dict):
        if isinstance(raw.get("message"), str):
            message = raw["message"] if trusted else raw["message"][:_MAX_MESSAGE_CHARS]
        extensions = raw.get("extensions")
        if isinstance(extensions, dict):
            if trusted:
                kept = dict(extensions)
            elif isinstance(extensions.get("code"), str):
                kept = {"code": extensions["code"]}
    out = []
    for path in paths:
        entry: dict[str, Any] = TrustedError(message=message) if trusted else {"message": message}
        if path is not None:
            entry["path"] = list(path)
        entry["extensions"] = {**kept, "serviceName": service}
        out.append(entry)
    return out


def subgraph_path(raw: object) -> list[str | int] | None:
    """The error's path as the subgraph gave it, when it is a well-formed one (and not too long to
    point into the client's response: MAX_ERROR_PATH_ELEMENTS)."""
    if not isinstance(raw, dict):
        return None
    path = raw.get("path")
    if (
        isinstance(path, list)
        and len(path) <= MAX_ERROR_PATH_ELEMENTS
        and all(isinstance(p, str | int) and not isinstance(p, bool) for p in path)
    ):
        return path
    return None


def renamed_path(path: Path, renamers: Iterable[KeyRenamer]) -> Path:
    """A subgraph's error path (under the fetch's data, or under one entity) with the planner's aliases
    renamed back to the client's keys, as ``output_rewrites`` rename the data: else an error would point
    at ``id__alias_0``, a key the client never asked for. Renamer paths are in the subgraph's keys, so
    each is matched against the path as the subgraph gave it. Type conditions are not checked: an
    alias is only ever renamed to one client key, whatever the type."""
    out = list(path)
    for renamer in renamers:
        keys = [element for element in renamer.path if not element.startswith(TYPE_CONDITION_PREFIX)]
        if not keys or len(keys) > len(path):
            continue
        if all(_matches(key, element) for key, element in zip(keys, path, strict=False)):
            out[len(keys) - 1] = renamer.rename_key_to
    return tuple(out)


def _matches(key: str, element: str | int) -> bool:
    if key == LIST_ELEMENT:
        return isinstance(element, int)
    return key == element
