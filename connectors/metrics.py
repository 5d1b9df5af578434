"""Prometheus metrics every connector exports, labelled by connector name (a handful of fixed values)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

from pipeline.settings import Settings

ITEMS_SENT = Counter("wirestream_connector_items_sent", "Items Kafka acknowledged", ["connector"])
SEND_FAILURES = Counter(
    "wirestream_connector_send_failures", "Publish attempts Kafka did not acknowledge", ["connector"]
)
LAST_SUCCESS = Gauge(
    "wirestream_connector_last_success_timestamp_seconds",
    "Unix time of the last batch Kafka acknowledged",
    ["connector"],
)
REFUSED = Counter(
    "wirestream_connector_items_refused",
    "Items refused before Kafka: drop-folder files moved to failed/, push requests answered 4xx",
    ["connector", "reason"],
)
FETCHES = Counter(
    "wirestream_connector_feed_fetches", "Feed requests by outcome (modified, not_modified, error)", ["outcome"]
)

# One default /metrics port per connector, all scraped by deploy/local/prometheus/prometheus.yml.
DEFAULT_PORTS = {"replay": 19108, "feeds": 19109, "watch": 19110, "push": 19111}


def port_for(connector: str, settings: Settings, override: int | None) -> int:
    """--metrics-port, else WIRESTREAM_CONNECTOR_METRICS_PORT, else the connector's own default."""
    if override is not None:
        return override
    if settings.connector_metrics_port is not None:
        return settings.connector_metrics_port
    return DEFAULT_PORTS[connector]


def serve(port: int, host: str) -> None:
    """Expose /metrics for Prometheus on `host` (WIRESTREAM_CONNECTOR_METRICS_HOST, loopback by default: the page
    names feeds, sources and refusal counts); port 0 turns it off (one-shot runs, tests)."""
    if port:
        start_http_server(port, addr=host)
