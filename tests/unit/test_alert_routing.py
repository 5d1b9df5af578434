"""Alertmanager routing: every alert rule reaches the receiver for its audience and severity, in Compose and locally,
and every receiver posts to the alert sink under its own name. amtool (Debian prometheus-alertmanager) decides."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.settings import Settings
from tests.conftest import ROOT

COMPOSE_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
LOCAL_TEMPLATE = ROOT / "deploy" / "local" / "alertmanager.yml"
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
LOCAL_SINK = f"http://127.0.0.1:{Settings().alert_sink_port}/alerts"  # deploy/local/services fills in this default


def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        pytest.fail("amtool is not installed; run deploy/local/install", pytrace=False)
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> dict[str, Path]:
    local = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    local.write_text(LOCAL_TEMPLATE.read_text().replace("@ALERT_SINK_URL@", LOCAL_SINK))
    return {"compose": COMPOSE_CONFIG, "local": local}


def expected_receiver(labels: dict[str, str]) -> str:
    """Desk alerts go to the desk; ops alerts page when critical, and are otherwise ops' to read."""
    if labels["audience"] == "desk":
        return "desk"
    return "ops-critical" if labels["severity"] == "critical" else "ops"


def rule_labels() -> list[dict[str, str]]:
    return [
        {"alertname": rule["alert"], **rule["labels"]}
        for path in RULES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


@pytest.mark.parametrize("where", ["compose", "local"])
def test_config_is_valid(configs, where) -> None:
    result = subprocess.run([amtool(), "check-config", str(configs[where])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("where", ["compose", "local"])
@pytest.mark.parametrize("labels", rule_labels(), ids=lambda labels: labels["alertname"])
def test_every_rule_reaches_its_audience(configs, where, labels) -> None:
    receiver = expected_receiver(labels)
    result = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={configs[where]}", f"--verify.receivers={receiver}"]
        + [f"{name}={value}" for name, value in labels.items()],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{labels} went to {result.stdout.strip()}, not {receiver}"


@pytest.mark.parametrize(
    ("where", "sink"), [("compose", f"http://alert-sink:{Settings().alert_sink_port}/alerts"), ("local", LOCAL_SINK)]
)
def test_every_receiver_posts_to_the_alert_sink_under_its_name(configs, where, sink) -> None:
    receivers = yaml.safe_load(configs[where].read_text())["receivers"]
    assert {receiver["name"] for receiver in receivers} == {"desk", "ops", "ops-critical"}
    for receiver in receivers:
        assert receiver["webhook_configs"] == [{"url": f"{sink}/{receiver['name']}", "send_resolved": True}]


def test_local_and_compose_route_alike(configs) -> None:
    """The same tree and inhibitions; only the waits differ."""
    timings = {"group_wait", "group_interval", "repeat_interval"}

    def shape(route: dict) -> dict:
        kept = {key: value for key, value in route.items() if key not in timings}
        return {**kept, "routes": [shape(child) for child in route.get("routes", [])]}

    compose, local = (yaml.safe_load(configs[where].read_text()) for where in ("compose", "local"))
    assert shape(compose["route"]) == shape(local["route"])
    assert compose["inhibit_rules"] == local["inhibit_rules"]
