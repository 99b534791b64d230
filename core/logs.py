"""Structured logs: one JSON object per line, and one line per request.

The request line carries method, path (no query string: it may hold codes or
tokens), status, duration, user id and role — never cookies, tokens or personal data.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, g, request
from flask_login import current_user

REQUEST_LOGGER = "eschool.request"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask, fmt: str) -> None:
    if fmt == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger("eschool")
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        root.propagate = False
        app.logger.handlers[:] = [handler]
    log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_timer() -> None:
        g._eschool_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.pop("_eschool_started", None)
        if started is not None and request.endpoint not in ("static", "core.health"):
            fields = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user": getattr(current_user, "id", None),
                "role": getattr(current_user, "role", "anonymous"),
                "ip": request.remote_addr,
            }
            log.info("%s %s %s", request.method, request.path, response.status_code, extra={"fields": fields})
        return response
