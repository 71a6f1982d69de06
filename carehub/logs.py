"""Logging: one JSON object a line in production (CAREHUB_LOG_JSON=1), readable text otherwise."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(app: Flask) -> None:
    handler = logging.StreamHandler()
    if app.config["CAREHUB_LOG_JSON"]:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("carehub")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        if request.path.startswith("/static"):
            return response
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed * 1000, 1),
        }
        logger.info("{method} {path} {status} {ms}ms".format(**fields), extra={"fields": fields})
        return response
