"""Prometheus metrics every connector exports, labelled by connector name (a handful of fixed values)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

ITEMS_SENT = Counter("wirestream_connector_items_sent", "Items Kafka acknowledged", ["connector"])
SEND_FAILURES = Counter(
    "wirestream_connector_send_failures", "Publish attempts Kafka did not acknowledge", ["connector"]
)
LAST_SUCCESS = Gauge(
    "wirestream_connector_last_success_timestamp_seconds",
    "Unix time of the last batch Kafka acknowledged",
    ["connector"],
)


def serve(port: int) -> None:
    """Expose /metrics for Prometheus; port 0 turns it off (one-shot runs, tests)."""
    if port:
        start_http_server(port, addr="0.0.0.0")
