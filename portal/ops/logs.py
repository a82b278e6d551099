"""Logs: readable text by default, one JSON object per line with PORTAL_LOG_FORMAT=json (python-json-logger).

Every record carries the worker (process id) and, inside a request, the request's id (X-Request-ID: the proxy's
when it sends a well-formed one, else a new one, echoed in the response). The access log (logger
"portal.access", one line per request, written by portal.ops.observe) holds the method, the route template,
the status and the duration: never the raw path or query (ticket tokens and tracking codes live there), the
client's address, a form, an answer, a comment or a complaint's text or contact.

`portal serve` hands `uvicorn_config()` to uvicorn (whose own access log is off), so the server's own lines
follow the same format in every worker; `configure()` does the same for a process without a logging set-up.
"""

from __future__ import annotations

import logging
import logging.config
import os
import re
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from portal.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("portal_request_id", default=None)
#: A request id the proxy may pass in (nginx's $request_id is 32 hex digits).
REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._-]{8,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(worker)s] %(name)s: %(message)s%(request_suffix)s"
#: The fields of a JSON line, in order; the access log adds method, route, status and duration_ms.
JSON_FIELDS = ("time", "level", "logger", "message", "request_id", "worker")


class ContextFilter(logging.Filter):
    """Adds `worker` and `request_id` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        record.worker = os.getpid()
        record.request_id = request_id
        record.request_suffix = f" [request {request_id}]" if request_id else ""
        return True


class JsonLineFormatter(JsonFormatter):
    """time (ISO 8601, UTC), level, logger, message, request_id, worker, then any extra fields of the record."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(request_id)s %(worker)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*_RESERVED, "request_suffix"],
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        ordered = {key: log_data.pop(key) for key in JSON_FIELDS if key in log_data}
        extra = dict(log_data)
        log_data.clear()
        log_data.update(ordered)
        log_data.update(extra)


#: Record attributes that are not fields of a line (python-json-logger's list, Python 3.12's task name, and
#: uvicorn's copy of its message with terminal colours).
_RESERVED = [*RESERVED_ATTRS, "taskName", "color_message"]


def dict_config(settings: Settings, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for the chosen format: everything to standard error through one handler;
    uvicorn's own loggers pass through it, its access log is left out (portal.access replaces it)."""
    formatter: dict[str, Any] = ({"()": JsonLineFormatter} if settings.log_format == "json"
                                 else {"format": TEXT_FORMAT})
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"portal": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "portal", "filters": ["context"]}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def uvicorn_config(settings: Settings, level: str = "info") -> dict[str, Any]:
    """What `portal serve` passes as uvicorn's log_config (applied again in every worker process)."""
    return dict_config(settings, level)


def configure(settings: Settings, level: str = "INFO") -> None:
    logging.config.dictConfig(dict_config(settings, level))


def ensure_configured(settings: Settings) -> None:
    """Give the portal's loggers the chosen format when nobody configured logging in this process (an ASGI
    server other than `portal serve`); leave an existing set-up (portal serve's, a test runner's) alone."""
    if not logging.getLogger().handlers:
        configure(settings)


def incoming_request_id(value: str | None) -> str | None:
    """The proxy's request id when it is well-formed (letters, digits, dot, dash, underscore; 8 to 64)."""
    if value and REQUEST_ID_FORMAT.fullmatch(value):
        return value
    return None
