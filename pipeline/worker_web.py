"""The worker's web server: Prometheus `/metrics` on the address the settings name, and none of Faust's own views.

Faust listens on its `web_bind` setting (default 0.0.0.0, every interface); `web_host` only names the worker in
its URL and banner. So `web_bind` is set too, or the worker answers on every interface while its banner says
127.0.0.1. Faust's built-in blueprints are turned off with its own `web_*_enabled` settings: `/table/...` serves
dedup table rows (story texts) to anyone who asks, `/router/...` the cluster layout, and the statistics and
graph views the worker's internals. The pipeline routes nothing between workers (no `@table_route`), and
`/metrics` is a view added by `setup_prometheus_sensors`, not a blueprint, so it stays. Faust reads the
environment variables WEB_BIND, WEB_HOST and APP_WEB_*_ENABLED over these options: leave them unset.
"""

from __future__ import annotations

from typing import Any

from pipeline.settings import Settings


def worker_web_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `faust.App(...)`: where the web server listens and which built-in views it serves."""
    return {
        "web_bind": settings.worker_web_host,
        "web_host": settings.worker_web_host,
        "web_port": settings.worker_web_port,
        "web_tables_enabled": False,
        "web_router_enabled": False,
        "web_stats_enabled": False,
        "web_graph_enabled": False,
        "web_metrics_enabled": False,
    }
