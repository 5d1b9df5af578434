"""The alert sink: parsing and log lines of Alertmanager notifications, and the webhook server on a real socket."""

import asyncio
import json
import logging
import socket
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from pipeline.alert_sink import BadNotification, create_app, describe, parse_notification, record
from tests.conftest import ROOT

NOTIFICATION = ROOT / "tests" / "data" / "alerts" / "alertmanager-ops-critical.json"


def test_a_real_notification_parses() -> None:
    notification = parse_notification(NOTIFICATION.read_bytes())
    assert notification["receiver"] == "ops-critical"
    assert [alert["status"] for alert in notification["alerts"]] == ["firing", "resolved"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'"firing"', b"{}", b'{"alerts": {}}', b'{"alerts": [{"status": "firing"}, 3]}'],
)
def test_bodies_that_are_not_notifications_are_refused(body: bytes) -> None:
    with pytest.raises(BadNotification) as refused:
        parse_notification(body)
    assert body.decode() not in str(refused.value)


def test_an_alert_is_one_line_with_status_name_severity_audience_and_summary() -> None:
    firing, resolved = parse_notification(NOTIFICATION.read_bytes())["alerts"]
    assert describe("ops-critical", firing) == (
        "[ops-critical] firing WirestreamConnectorDown severity=critical audience=ops: "
        "Connector 127.0.0.1:19108 does not answer Prometheus: none of its stories reach Kafka"
    )
    assert describe("ops-critical", resolved).startswith("[ops-critical] resolved WirestreamConnectorDown ")


def test_missing_labels_and_multiline_summaries_still_make_one_line() -> None:
    alert = {"labels": {"alertname": "Odd one"}, "annotations": {"summary": "first line\nsecond\tline " + "x" * 400}}
    line = describe("ops", alert)
    assert "\n" not in line and "\t" not in line
    assert line.startswith("[ops] - Odd_one severity=- audience=-: first line second line x")
    assert len(line) < 400 and line.endswith("…")
    assert describe("ops", {"labels": "not a mapping"}) == "[ops] - - severity=- audience=-: "


def test_a_record_is_one_json_line_with_the_whole_notification() -> None:
    notification = parse_notification(NOTIFICATION.read_bytes())
    notification["alerts"][0]["annotations"]["summary"] = "two\nlines"
    line = record("ops-critical", notification, datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    assert "\n" not in line
    assert json.loads(line) == {
        "received_at": "2026-01-02T03:04:05.678+00:00",
        "receiver": "ops-critical",
        "notification": notification,
    }


async def _exchange(path: Path) -> dict:
    """Start the sink on a free port, post the real notification and a few bad requests; what came back."""
    runner = web.AppRunner(create_app(path))
    await runner.setup()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # a free port, held from here on
    port = listener.getsockname()[1]
    await web.SockSite(runner, listener).start()
    base = f"http://127.0.0.1:{port}"
    answers = {}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as response:
                answers["healthz"] = (response.status, await response.json())
            body = NOTIFICATION.read_bytes()
            headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.25.0"}
            async with session.post(f"{base}/alerts/ops-critical", data=body, headers=headers) as response:
                answers["notification"] = (response.status, await response.json())
            async with session.post(f"{base}/alerts/desk", data=b"{oops", headers=headers) as response:
                answers["bad"] = (response.status, await response.json())
            async with session.post(f"{base}/alerts/", data=body, headers=headers) as response:
                answers["no receiver"] = response.status
            async with session.post(f"{base}/alerts/two%20words", data=body, headers=headers) as response:
                answers["bad receiver"] = response.status
    finally:
        await runner.cleanup()
    return answers


def test_the_server_logs_and_keeps_a_real_notification(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "alerts" / "notifications.jsonl"
    with caplog.at_level(logging.INFO, logger="pipeline.alert_sink"):
        answers = asyncio.run(_exchange(path))
    assert answers == {
        "healthz": (200, {"status": "ok"}),
        "notification": (200, {"alerts": 2}),
        "bad": (400, {"error": "bad_notification", "detail": "the body is not JSON"}),
        "no receiver": 404,
        "bad receiver": 404,
    }
    lines = path.read_text().splitlines()
    assert len(lines) == 1  # the refused requests left nothing
    kept = json.loads(lines[0])
    assert kept["receiver"] == "ops-critical"
    assert kept["notification"] == json.loads(NOTIFICATION.read_text())
    assert datetime.fromisoformat(kept["received_at"]).tzinfo is not None
    alert_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("[ops-critical]")]
    assert alert_lines == [
        "[ops-critical] firing WirestreamConnectorDown severity=critical audience=ops: "
        "Connector 127.0.0.1:19108 does not answer Prometheus: none of its stories reach Kafka",
        "[ops-critical] resolved WirestreamConnectorDown severity=critical audience=ops: "
        "Connector 127.0.0.1:19109 does not answer Prometheus: none of its stories reach Kafka",
    ]
