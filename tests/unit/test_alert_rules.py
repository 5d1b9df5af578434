"""Alert rules are code: promtool checks their syntax and runs their unit tests."""

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((ROOT / "tests" / "promtool").glob("*.test.yml"))


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed; run deploy/local/install", pytrace=False)
    return path


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.name)
def test_rules_are_valid(rules) -> None:
    result = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", RULE_TESTS, ids=lambda p: p.name)
def test_rule_unit_tests_pass(case) -> None:
    result = subprocess.run([promtool(), "test", "rules", case.name], cwd=case.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def alert_rules(path) -> list[dict]:
    return [rule for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.name)
def test_every_alert_says_how_bad_and_for_whom(rules) -> None:
    """Alertmanager routes on these two labels (tests/unit/test_alert_routing.py)."""
    for rule in alert_rules(rules):
        assert rule["labels"].get("severity") in {"critical", "warning", "info"}, rule["alert"]
        assert rule["labels"].get("audience") in {"ops", "desk"}, rule["alert"]


def test_spikes_go_to_the_desk() -> None:
    spikes = {rule["alert"]: rule["labels"] for rule in alert_rules(ROOT / "deploy/prometheus/rules/spikes.yml")}
    assert spikes["WirestreamSpike"]["audience"] == "desk"


def test_a_quiet_night_is_checked_against_every_critical_alert() -> None:
    """A new critical rule has to be shown silent on a quiet night with everything up (no news is not an outage)."""
    critical = {
        rule["alert"] for path in RULES for rule in alert_rules(path) if rule["labels"]["severity"] == "critical"
    }
    quiet = [
        group
        for case in RULE_TESTS
        for group in yaml.safe_load(case.read_text())["tests"]
        if group.get("name") == "quiet night"
    ]
    assert len(quiet) == 1, "one promtool test group is named 'quiet night'"
    silent = {check["alertname"] for check in quiet[0]["alert_rule_test"] if check["exp_alerts"] == []}
    assert critical - silent == set()
