"""Figures and their presentation: percentiles, rates, the one table, and CPU and memory read from /proc.

Pure functions except `ProcSampler`, which only reads /proc; kept apart so the maths and the table are unit-tested
without services.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation between closest ranks (numpy's default), None for
    no values. Latency percentiles of a few hundred samples: no library needed, and the method is stated."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"a percentile is between 0 and 100, not {p}")
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50, p95, p99, max and mean, rounded to the millisecond (values in seconds)."""
    return {
        "n": len(values),
        "p50": _round(percentile(values, 50)),
        "p95": _round(percentile(values, 95)),
        "p99": _round(percentile(values, 99)),
        "max": _round(max(values)) if values else None,
        "mean": _round(sum(values) / len(values)) if values else None,
    }


def rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


def steady_rate(times: Sequence[float], total_items: int, low: float = 0.1, high: float = 0.9) -> float | None:
    """Items a second between the moments `low` and `high` of the groups were done, scaled to the items: the rate
    without start-up and tail. `times` are when each group was done, in any order."""
    ordered = sorted(times)
    if len(ordered) < 10:
        return None
    first = ordered[int(low * (len(ordered) - 1))]
    last = ordered[int(high * (len(ordered) - 1))]
    if last <= first:
        return None
    return round((high - low) * total_items / (last - first), 1)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    """Thousands separators; '-' for a missing figure."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def fmt_percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: the area, what was measured, the figure, and how to read it."""

    area: str
    measure: str
    value: str
    detail: str = ""


HEADER = Row("area", "measure", "value", "detail")


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown table, columns padded so it reads in a terminal and pastes into the README as is."""
    cells = [[row.area, row.measure, row.value, row.detail] for row in (HEADER, *rows)]
    cells = [[text.replace("|", "\\|").replace("\n", " ") for text in line] for line in cells]
    widths = [max(len(line[column]) for line in cells) for column in range(4)]
    lines = []
    for number, line in enumerate(cells):
        padded = [
            text.ljust(width) if column != 2 else text.rjust(width)
            for column, (text, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("| " + " | ".join(padded) + " |")
        if number == 0:
            lines.append(
                "|"
                + "|".join("-" * (width + 1) + (":" if column == 2 else "-") for column, width in enumerate(widths))
                + "|"
            )
    return "\n".join(lines)


def rows_to_json(rows: Sequence[Row]) -> list[dict[str, str]]:
    return [{"area": row.area, "measure": row.measure, "value": row.value, "detail": row.detail} for row in rows]


# --- CPU and memory of processes, from /proc ---------------------------------------------------------------------


def read_cpu_seconds(pid: int, apart: frozenset[int] = frozenset()) -> float | None:
    """User plus system CPU seconds of a process and every process under it (the worker's parse pool): all their
    threads, and the children they have already reaped; processes in `apart` (measured on their own, such as the
    worker the bench started) and their own trees are left out. None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    children = [child for child in _children(pid) if child not in apart]
    return parse_cpu_seconds(text) + sum(read_cpu_seconds(child, apart) or 0.0 for child in children)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def parse_cpu_seconds(stat: str) -> float:
    """utime + stime + cutime + cstime of a /proc/<pid>/stat line, in seconds: the process's own time and that of
    the children it reaped (a pool process killed over its time budget counts too). The command name may hold
    spaces and brackets, so fields are counted after its last ')'."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(field) for field in fields[11:15]) / _CLOCK_TICKS


def read_memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS over the process's life) in KiB, from /proc/<pid>/status."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return parse_memory_kib(text)


def parse_memory_kib(status: str) -> dict[str, int]:
    found = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def read_machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in first[:8]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / _CLOCK_TICKS, sum(ticks) / _CLOCK_TICKS


@dataclass
class ProcSampler:
    """CPU seconds and resident memory of named processes over a phase, sampled every `interval` seconds in a
    thread (the highest RSS seen is kept), plus the busy time of the whole machine: what the listed processes
    do not account for was other load on the shared cores."""

    pids: Mapping[str, int]
    interval: float = 0.5
    _start_cpu: dict[str, float] = field(default_factory=dict)
    _peak_rss: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _started: float = 0.0
    _machine: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        self._started = time.monotonic()
        self._machine = read_machine_busy()
        for name, pid in self.pids.items():
            if (cpu := read_cpu_seconds(pid, self._apart(pid))) is not None:
                self._start_cpu[name] = cpu
        self._thread = threading.Thread(target=self._run, name="proc-sampler", daemon=True)
        self._thread.start()

    def _apart(self, pid: int) -> frozenset[int]:
        """The other listed processes: each is counted once, under its own name."""
        return frozenset(self.pids.values()) - {pid}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for name, pid in self.pids.items():
            rss = read_memory_kib(pid).get("VmRSS")
            if rss is not None:
                self._peak_rss[name] = max(rss, self._peak_rss.get(name, 0))

    def stop(self) -> dict[str, Any]:
        self._sample()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        wall = time.monotonic() - self._started
        busy, _ = read_machine_busy()
        machine_busy = busy - self._machine[0]
        cores = os.cpu_count() or 1
        processes: dict[str, Any] = {}
        for name, pid in self.pids.items():
            end = read_cpu_seconds(pid, self._apart(pid))
            start = self._start_cpu.get(name)
            cpu = None if end is None or start is None else end - start
            memory = read_memory_kib(pid)
            processes[name] = {
                "pid": pid,
                "cpu_seconds": _round(cpu, 2),
                "cpu_percent_of_one_core": _round(cpu / wall * 100, 1) if cpu is not None and wall > 0 else None,
                "rss_mib": _round(memory["VmRSS"] / 1024, 1) if "VmRSS" in memory else None,
                "peak_rss_mib_in_phase": _round(self._peak_rss[name] / 1024, 1) if name in self._peak_rss else None,
            }
        listed = sum(p["cpu_seconds"] or 0 for p in processes.values())
        return {
            "wall_seconds": _round(wall, 2),
            "cores": cores,
            "machine_busy_percent": _round(machine_busy / (wall * cores) * 100, 1) if wall > 0 else None,
            "other_processes_cpu_seconds": _round(max(0.0, machine_busy - listed), 2),
            "processes": processes,
        }


@contextmanager
def one_cpu() -> Any:
    """Pin this process to one CPU while timing a pure stage (where the platform allows), then give the others
    back: a stage's figure is then what one core does, not what the scheduler lent it."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)
