"""Alert rules are code: promtool checks their syntax and runs their unit tests."""

import shutil
import subprocess

import pytest

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
