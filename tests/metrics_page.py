"""Reading a process's Prometheus /metrics page in tests (the integration tests and the fault suite)."""

from __future__ import annotations

import urllib.request


def scrape(url: str) -> str:
    """The page at `url`, or "" while the process is not serving it."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def metric(text: str, name: str) -> float:
    """Sum of a metric's samples in a /metrics page (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
