"""Durations as people read them in log lines and progress reports: 4.2s, 38s, 2m05s, 1h02m."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """Tenths under ten seconds, whole seconds under a minute, then minutes and seconds, then hours and minutes."""
    seconds = max(0.0, seconds)
    if seconds < 9.95:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
