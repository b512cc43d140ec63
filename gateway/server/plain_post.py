"""The commonest request, a JSON POST of one operation, read without strawberry's general HTTP view.

Strawberry's view (``AsyncBaseHTTPView.run``) serves every transport: GET, multipart uploads, batches,
multipart and SSE subscriptions, incremental delivery. For each request it parses the content type
with the ``email`` package, looks for a streaming transport in the headers and checks the result
against two runtime ``Protocol`` classes; on a list page that was some 7 % of the gateway's own time
per request. Nearly every request is none of those: a POST of ``application/json`` holding one
operation, as Apollo Client, urql, graphql-request and the peers' own clients send.

:func:`is_plain_json_post` recognises such a request from its headers alone, and
:func:`read_operation` its body; :class:`gateway.server.app.GraphQLEndpoint` then runs it through
strawberry's own ``execute_single``, ``process_result`` and ``create_response``, so the execution,
the errors and the response are strawberry's. Whatever either function does not recognise (another
content type or method, an ``Accept`` that asks for a stream, a body that is not one well-formed
operation) goes through strawberry's view unchanged, with its own answers and errors: the body is
read once, and the view finds it in the request.
"""

from __future__ import annotations

from typing import Any

import orjson
from strawberry.http import GraphQLRequestData

# A content type is compared as bytes, exactly: a spelling not listed here takes strawberry's way.
_JSON_CONTENT_TYPES = frozenset(
    {
        b"application/json",
        b"application/json; charset=utf-8",
        b"application/json;charset=utf-8",
        b"application/json; charset=UTF-8",
        b"application/json;charset=UTF-8",
    }
)
# An Accept header naming one of these asks for a streamed answer (multipart or server-sent events).
_STREAMING_ACCEPTS = (b"multipart/", b"text/event-stream")


def is_plain_json_post(scope: dict[str, Any]) -> bool:
    """Whether an HTTP request is a POST of JSON that asks for no streamed answer."""
    if scope["method"] != "POST":
        return False
    content_type = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"accept" and any(kind in value for kind in _STREAMING_ACCEPTS):
            return False
    return content_type in _JSON_CONTENT_TYPES


def read_operation(body: bytes) -> GraphQLRequestData | None:
    """The operation a JSON body holds, or None when it is not exactly one well-formed operation
    (invalid JSON, a batch, a member of the wrong type), which strawberry's view then answers."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict:
        return None
    query = data.get("query")
    variables = data.get("variables")
    operation_name = data.get("operationName")
    extensions = data.get("extensions")
    if (
        type(query) is not str
        or (variables is not None and type(variables) is not dict)
        or (operation_name is not None and type(operation_name) is not str)
        or (extensions is not None and type(extensions) is not dict)
    ):
        return None
    return GraphQLRequestData(
        query=query, variables=variables, operation_name=operation_name, extensions=extensions, protocol="http"
    )
