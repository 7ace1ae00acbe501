"""One structured log line per request, for production to ship (JSON on standard error).

Fields: time, request id, method, path, status, duration, user id and client address. Query
strings are never logged, and a path holding a one-time token (invitation, password reset) is
logged as its route pattern, so no secret reaches the logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

LOGGER_NAME = "broadside.request"
REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's request id is kept if it looks like one; anything else is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
SECRET_VIEW_ARGS = frozenset({"token"})

logger = logging.getLogger(LOGGER_NAME)


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {"message": record.getMessage()}
        return json.dumps(
            {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), **fields},
            ensure_ascii=False,
            separators=(",", ":"),
        )


def init_request_log(app: Flask) -> None:
    if app.config.get("REQUEST_LOG", not app.testing) and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": loggable_path(),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": _user_id(),
            "ip": request.remote_addr or "",
        }
        logger.info(
            "%s %s %s", fields["method"], fields["path"], fields["status"], extra={"fields": fields}
        )
        return response


def loggable_path() -> str:
    """The request path, or its route pattern when the path carries a secret."""
    if request.view_args and SECRET_VIEW_ARGS & set(request.view_args) and request.url_rule:
        return request.url_rule.rule
    return request.path


def _user_id() -> int | None:
    try:
        if current_user and current_user.is_authenticated:
            return current_user.id
    except Exception:  # the user could not be loaded (database down): log without it
        return None
    return None
