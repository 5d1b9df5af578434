"""The push endpoint while Kafka is away, against the real broker: /healthz says so, a POST is refused within
seconds (it used to wait out the publisher's retries, 23 s), and both recover once the broker is reachable. Kafka
is "away" behind a closed local port that later forwards to the real broker; nothing is mocked."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable

import httpx

from connectors.kafka_health import check_kafka
from pipeline.raw import item_key
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.integration.conftest import free_port, records, settings_of, wait_for, wirestream
from tests.integration.test_connectors_kafka import Forwarder

TOKEN = "health-token-" + uuid.uuid4().hex


def test_the_kafka_check_sees_the_broker_and_gives_up_quickly_on_a_port_without_one(
    settings: Settings, kafka_ready: None
) -> None:
    assert check_kafka(settings).ok
    started = time.monotonic()
    away = check_kafka(settings.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"}))
    assert (away.ok, away.reason) == (False, "unreachable")
    assert time.monotonic() - started < 5


def test_push_refuses_at_once_while_kafka_is_away_and_takes_stories_once_it_is_back(
    own_app: Callable[..., dict[str, str]],
) -> None:
    own = own_app("pushkafka")
    real = settings_of(own)
    host, port = real.kafka_bootstrap.split(",")[0].rsplit(":", 1)
    kafka = Forwarder((host, int(port)))
    url = f"http://127.0.0.1:{free_port()}"
    environment = {
        **own,
        "WIRESTREAM_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka.port}",
        "WIRESTREAM_PUSH_TOKEN": TOKEN,
        "WIRESTREAM_PUSH_PORT": url.rsplit(":", 1)[1],
        "WIRESTREAM_PUSH_KAFKA_CHECK_SECONDS": "1",
    }
    process = subprocess.Popen(
        wirestream("push", "--metrics-port", "0"),
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def health() -> httpx.Response | None:
        assert process.poll() is None, process.communicate()[1][-2000:]
        try:
            return httpx.get(f"{url}/healthz", timeout=10)
        except httpx.TransportError:
            return None

    def post(uri: str) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = httpx.post(
            f"{url}/stories", params={"source": "pushkafka"}, json={"uri": uri}, headers=auth(), timeout=60
        )
        return response, time.monotonic() - started

    try:
        answer = wait_for(health, timeout=30, what="the push endpoint to answer")
        assert answer.status_code == 503
        assert answer.json() == {"status": "unavailable", "reason": "unreachable", "detail": "no Kafka broker answered"}
        time.sleep(1.1)  # past the cached answer: this POST runs a check of its own
        refused, took = post("urn:pushkafka:away")
        assert (refused.status_code, refused.json()["error"]) == (503, "kafka_unavailable")
        assert took < 5
        assert int(refused.headers["Retry-After"]) >= 1

        kafka.open()
        wait_for(lambda: (found := health()) is not None and found.status_code == 200, timeout=30, what="/healthz 200")
        taken, _ = post("urn:pushkafka:back")
        assert taken.status_code == 202, taken.text
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
        kafka.close()
    assert process.returncode == 0, errors[-2000:]
    assert TOKEN not in errors
    keys = {record.key.decode() for record in records(real, real.raw_topic, None, "read_committed")}
    assert keys == {item_key("pushkafka", "urn:pushkafka:back")}


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}
