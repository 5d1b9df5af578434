"""The worker's web server serves Prometheus /metrics and none of Faust's table, router or statistics views, and
listens only on the address the settings name. Faust's real aiohttp server; no Kafka (nothing here starts a
consumer or producer)."""

from __future__ import annotations

import asyncio

import faust
from aiohttp.test_utils import TestClient, TestServer

from pipeline.settings import Settings
from pipeline.worker_web import worker_web_options
from tests.listening import free_port, listening_addresses

HIDDEN = ["/table/", "/table/dedup-stories/", "/table/dedup-stories/some-story/", "/router/", "/assignment/", "/graph/"]


def test_the_worker_app_serves_metrics_but_no_table_or_router_view() -> None:
    from pipeline.app import app

    async def fetch() -> dict[str, tuple[int, str]]:
        app.web.init_server()  # what the worker does when it starts its web server: blueprints, then views
        async with TestClient(TestServer(app.web.web_app)) as client:
            answers = {}
            for path in [*HIDDEN, "/metrics"]:
                response = await client.get(path)
                answers[path] = (response.status, await response.text())
            return answers

    answers = asyncio.run(fetch())
    assert {path: answers[path][0] for path in HIDDEN} == dict.fromkeys(HIDDEN, 404)
    status, page = answers["/metrics"]
    assert status == 200
    assert "wirestream_faust_" in page


def test_faust_listens_on_the_worker_web_host_only() -> None:
    port = free_port()
    app = faust.App(
        "unit-worker-web",
        store="memory://",
        **worker_web_options(Settings(worker_web_port=port, worker_web_host="127.0.0.1")),
    )

    async def listen() -> set[str]:
        app.web.init_server()
        await app.web.start_server()
        try:
            return listening_addresses(port)
        finally:
            await app.web.stop_server()

    assert app.conf.web_bind == "127.0.0.1"
    assert asyncio.run(listen()) == {"127.0.0.1"}


def test_the_worker_web_host_is_loopback_unless_configured() -> None:
    assert Settings.model_fields["worker_web_host"].default == "127.0.0.1"
    options = worker_web_options(Settings(worker_web_host="0.0.0.0", worker_web_port=6070))
    assert (options["web_bind"], options["web_port"]) == ("0.0.0.0", 6070)
