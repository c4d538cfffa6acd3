"""Prometheus metrics per counterpart (connector instance): received, applied, failed,
latency and backlog, on the hub's one registry (``hub.platform.observability.REGISTRY``).

The backlog gauges are refreshed from the database by :func:`refresh_backlog` (called by
the ``/api/v1/hub/health`` endpoint and the sweeper job) rather than tracked in memory,
so every replica reports the same truth.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from hub.platform.observability import REGISTRY

RECEIVED = Counter(
    "sangam_hub_received_total",
    "Inbound items stored",
    ["source", "channel"],
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "sangam_hub_duplicates_total", "Inbound items already seen", ["source"], registry=REGISTRY
)
APPLIED = Counter(
    "sangam_hub_records_applied_total", "Inbound records applied", ["source"], registry=REGISTRY
)
QUARANTINED = Counter(
    "sangam_hub_records_quarantined_total",
    "Inbound records quarantined",
    ["source"],
    registry=REGISTRY,
)
FAILED = Counter(
    "sangam_hub_failed_total",
    "Inbound items rejected or failed, outbound attempts failed",
    ["source", "reason"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "sangam_hub_processing_seconds",
    "Time to apply one inbound item or deliver one outbound message",
    ["source", "direction"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)
DELIVERED = Counter(
    "sangam_hub_delivered_total", "Outbound messages delivered", ["counterpart"], registry=REGISTRY
)
BACKLOG = Gauge(
    "sangam_hub_backlog",
    "Inbound items or outbound messages waiting",
    ["source", "direction"],
    registry=REGISTRY,
)


def observe(source: str, result, seconds: float) -> None:
    """Count one processed inbound item's outcome and latency."""
    APPLIED.labels(source).inc(result.applied)
    QUARANTINED.labels(source).inc(result.quarantined)
    if result.rejected:
        FAILED.labels(source, "rejected").inc()
    LATENCY.labels(source, "inbound").observe(seconds)


def refresh_backlog(inbound: dict[str, int], outbound: dict[str, int]) -> None:
    """Set the backlog gauges (counts per source / counterpart code)."""
    BACKLOG.clear()
    for source, n in inbound.items():
        BACKLOG.labels(source, "inbound").set(n)
    for code, n in outbound.items():
        BACKLOG.labels(code, "outbound").set(n)
