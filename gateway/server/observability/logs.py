"""Logging for ``serve``: plain text or one JSON object a line, each record with its trace id.

The access line (logger ``gateway.access``) carries its fields as record attributes, so the JSON
format shows them as keys: operation, audience, status, outcome, duration_ms, request_id, trace_id.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import orjson

from gateway.telemetry.tracing import current_trace_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [trace %(trace_id)s]: %(message)s"
NO_TRACE = "-"
# Attributes every LogRecord has: anything else on a record came in through ``extra``.
# uvicorn's color_message repeats the message with terminal colours: no use in a JSON line.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class TraceIdFilter(logging.Filter):
    """Adds ``trace_id`` (of the current span, or ``-``) to records that do not carry one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "trace_id"):
            record.trace_id = current_trace_id() or NO_TRACE
        return True


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, with the date and time up to the second formatted once a second rather than once a
    line (the access line is one a request). Formatting runs under the handler's lock."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: int | None = None
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        return self.default_msec_format % (self._stamp, record.msecs)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the record's extra
    fields, and the formatted exception if any. orjson, since a log line is on every request."""

    def __init__(self) -> None:
        super().__init__()
        self._second: int | None = None
        self._stamp = ""

    def _time(self, created: float) -> str:
        """``datetime.isoformat(timespec="milliseconds")`` in UTC, its second formatted once a second."""
        second = int(created)
        if second != self._second:
            self._stamp = dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._stamp}.{int((created - second) * 1_000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if entry.get("trace_id") == NO_TRACE:
            del entry["trace_id"]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


def log_handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.addFilter(TraceIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure_logging(level: str, log_format: str) -> None:
    """The root logger's one handler, at ``level``. uvicorn's loggers propagate to it when uvicorn
    runs with ``log_config=None`` (as ``serve`` does), so they share the format."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(log_handler(log_format))
    root.setLevel(level.upper())
