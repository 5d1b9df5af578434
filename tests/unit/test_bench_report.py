"""The benchmark's maths and presentation: percentiles, rates, /proc parsing, targets and the one table."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from tools.benchmark.report import build_rows
from tools.benchmark.run import _ratios_and_targets, _seconds, _target
from tools.benchmark.stats import (
    Row,
    parse_cpu_seconds,
    parse_memory_kib,
    percentile,
    read_cpu_seconds,
    render_table,
    steady_rate,
    summary,
)


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert percentile([3, 1, 2], 0) == 1
    assert percentile([3, 1, 2], 100) == 3
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_percentile_matches_numpy_linear() -> None:
    rng = random.Random(3)
    values = [rng.expovariate(2.0) for _ in range(501)]
    for p in (1, 25, 50, 90, 95, 99, 99.9):
        assert percentile(values, p) == pytest.approx(float(np.percentile(values, p)))


def test_percentile_refuses_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_of_latencies() -> None:
    figures = summary([0.1 * n for n in range(1, 101)])
    assert figures["n"] == 100
    assert figures["p50"] == pytest.approx(5.05)
    assert figures["p95"] == pytest.approx(9.505)
    assert figures["max"] == pytest.approx(10.0)
    assert summary([]) == {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}


def test_steady_rate_leaves_out_start_up_and_tail() -> None:
    # 100 groups done one a second after a 30 s start-up: the steady rate is 1 group (here 2 items) a second
    times = [30.0 + n for n in range(100)]
    assert steady_rate(times, total_items=200) == pytest.approx(2.0, rel=0.02)
    assert steady_rate([1.0, 2.0], total_items=2) is None


def test_cpu_seconds_are_read_after_the_command_name() -> None:
    stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 80 0 100 0 0"
    assert parse_cpu_seconds(stat) == pytest.approx(3.0)  # (250 + 50) ticks at 100 Hz


def test_cpu_seconds_count_the_children_a_process_reaped() -> None:
    stat = "4242 (python) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 80 0 100 0 0"
    assert parse_cpu_seconds(stat) == pytest.approx(3.5)  # (250 + 50 + 30 + 20) ticks at 100 Hz


def test_cpu_seconds_count_the_live_processes_under_a_process() -> None:
    """The worker's parse pool works in child processes: their CPU is the worker's."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)"
    before = read_cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", burn])
    try:
        deadline = time.monotonic() + 20
        while (read_cpu_seconds(child.pid) or 0) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert read_cpu_seconds(os.getpid()) - before >= 0.35
        # a process measured on its own (the worker the bench started) is not counted again under its parent
        assert read_cpu_seconds(os.getpid(), frozenset({child.pid})) - before < 0.3
    finally:
        child.kill()
        child.wait()


def test_memory_is_read_from_status() -> None:
    status = "Name:\tjava\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t80\n"
    assert parse_memory_kib(status) == {"VmHWM": 2048, "VmRSS": 1024}


def test_table_is_markdown_with_aligned_columns_and_escaped_pipes() -> None:
    table = render_table([Row("stage", "parse", "292 stories/s", "a | b"), Row("pipeline", "sustained", "34", "")])
    lines = table.splitlines()
    assert lines[0].startswith("| area ")
    assert set(lines[1]) <= {"|", "-", ":"}
    assert lines[1].count(":") == 1  # the value column is right-aligned
    assert len({len(line) for line in lines}) == 1
    assert "a \\| b" in lines[2]
    assert lines[3].split("|")[3].strip() == "34" and lines[3].split("|")[3].startswith(" " * 3)


def test_rows_of_a_partial_run_and_of_a_failed_phase() -> None:
    results = {
        "corpus": {
            "items": 10,
            "kinds": {"distinct": 7, "exact": 1, "syndicated": 1, "update": 1},
            "mean_item_bytes": 8000,
        },
        "pipeline": {"error": "RuntimeError: the worker exited with 1:\n Traceback ..."},
    }
    results["ratios"], results["targets"] = _ratios_and_targets(results)
    rows = build_rows(results)
    assert [row.area for row in rows] == ["corpus", "pipeline"]
    assert rows[1].value == "error" and "\n" not in rows[1].detail
    assert "7 distinct" in rows[0].detail


def test_targets_are_met_or_not_by_their_direction() -> None:
    assert _target("rate", 1200.0, 1000)["met"] is True
    assert _target("rate", 900.0, 1000)["met"] is False
    assert _target("latency", 1.5, 2.0, at_most=True)["met"] is True
    assert _target("latency", None, 2.0, at_most=True)["met"] is None


def test_ratios_and_targets_from_figures() -> None:
    results = {
        "pipeline": {"stories_per_second": 600.0, "distinct_per_second": 390.0, "refresh_interval": "1s"},
        "elasticsearch": {"docs_per_second": 1000.0},
        "faust": {
            "faust:parse-tag": {"messages_per_second": 80.0},
            "aiokafka:parse-tag": {"messages_per_second": 100.0},
        },
        "latency": [{"load": 0.5, "searchable_seconds": {"p95": 1.7}}],
    }
    ratios, targets = _ratios_and_targets(results)
    assert ratios["pipeline_over_raw_es_bulk"] == 0.6
    assert ratios["faust_over_aiokafka_parse_tag"] == 0.8
    assert [target["met"] for target in targets] == [False, True, True, True]


def test_refresh_intervals_in_seconds() -> None:
    assert _seconds("1s") == 1.0
    assert _seconds("500ms") == 0.5
    assert _seconds("2m") == 120.0
