"""Structured JSON logs with request ids, and Prometheus metrics.

Every log line is one JSON object carrying the current request id (a context variable
set by the request middleware, or by a job for its run), so a request or job can be
followed across log lines. Secrets never reach the logs: settings are SecretStr and
URLs are redacted before logging.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys

from prometheus_client import CollectorRegistry, Counter, Histogram

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key, value in getattr(record, "fields", {}).items():
            payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").setLevel("WARNING")
    # why: SSH libraries log every connection and channel at INFO; the hub logs its own
    # transfers, so theirs would drown an operator's log (and the demo's output)
    for noisy in ("asyncssh", "asyncssh.sftp", "paramiko", "paramiko.transport"):
        logging.getLogger(noisy).setLevel("WARNING")


REGISTRY = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "sangam_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "sangam_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LEDGER_JOURNALS = Counter(
    "sangam_ledger_journals_total", "Journals posted", ["kind"], registry=REGISTRY
)
