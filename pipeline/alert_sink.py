"""Alert sink (`wirestream alert-sink`): the webhook every Alertmanager receiver posts to.

`POST /alerts/<receiver>` takes Alertmanager's webhook notification (JSON, version 4), logs one line per alert and
appends the notification as one JSON line to a file, so what was sent to whom, and when, stays on record; it
answers 200 only once the line is written, so Alertmanager sends again whatever was not kept. `GET /healthz`
answers the health checks.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)
# Receiver names as deploy/*/alertmanager.yml gives them in the webhook URLs (desk, ops, ops-critical).
RECEIVER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MAX_BODY = 4 * 1024 * 1024  # a notification carries a group's alerts; a storm of them stays well under this
MAX_SUMMARY = 300


class BadNotification(ValueError):
    """The body is not an Alertmanager notification; the message is ours, never the input's."""


def parse_notification(body: bytes) -> dict[str, Any]:
    """The notification, checked for what the sink relies on: a JSON object whose `alerts` are objects."""
    try:
        notification = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadNotification("the body is not JSON") from exc
    if not isinstance(notification, dict):
        raise BadNotification("expected a JSON object")
    alerts = notification.get("alerts")
    if not isinstance(alerts, list) or not all(isinstance(alert, dict) for alert in alerts):
        raise BadNotification("expected `alerts`, a list of objects")
    return notification


def describe(receiver: str, alert: dict[str, Any]) -> str:
    """One log line for an alert: receiver, status, name, severity, audience, summary."""
    labels, annotations = _texts(alert.get("labels")), _texts(alert.get("annotations"))
    summary = " ".join(annotations.get("summary", "").split())  # one alert, one line, whatever the template made
    if len(summary) > MAX_SUMMARY:
        summary = summary[: MAX_SUMMARY - 1] + "…"
    return (
        f"[{receiver}] {_word(alert.get('status'))} {_word(labels.get('alertname'))} "
        f"severity={_word(labels.get('severity'))} audience={_word(labels.get('audience'))}: {summary}"
    )


def record(receiver: str, notification: dict[str, Any], received_at: datetime) -> str:
    """The JSON line kept for a notification: when it arrived, the receiver it was posted for, all of it."""
    kept = {"received_at": received_at.isoformat(timespec="milliseconds"), "receiver": receiver}
    return json.dumps({**kept, "notification": notification}, ensure_ascii=False)


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _word(value: str | None) -> str:
    """A label value as one token of the log line: missing is `-`, whitespace cannot split or break it."""
    return "_".join(str(value).split()) if value else "-"


def create_app(path: Path) -> web.Application:
    path.parent.mkdir(parents=True, exist_ok=True)

    async def alerts(request: web.Request) -> web.Response:
        receiver = request.match_info["receiver"]
        try:
            notification = parse_notification(await request.read())
        except BadNotification as exc:
            log.warning("alert-sink: refused a notification for %s from %s: %s", receiver, request.remote, exc)
            return web.json_response({"error": "bad_notification", "detail": str(exc)}, status=400)
        with path.open("a", encoding="utf-8") as out:
            out.write(record(receiver, notification, datetime.now(UTC)) + "\n")
        for alert in notification["alerts"]:
            log.info("%s", describe(receiver, alert))
        return web.json_response({"alerts": len(notification["alerts"])})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(f"/alerts/{{receiver:{RECEIVER_PATTERN}}}", alerts)
    app.router.add_get("/healthz", healthz)
    return app


def serve(host: str, port: int, path: Path) -> None:
    """Serve until SIGTERM or SIGINT."""
    log.info("alert-sink: POST /alerts/<receiver> on %s:%d, notifications appended to %s", host, port, path)
    web.run_app(create_app(path), host=host, port=port, print=None, access_log=None)
