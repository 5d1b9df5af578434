"""What the worker logs while a service it writes to is away: one WARNING when it goes, a reminder a minute while
it stays away, one INFO with the outage's length and retries when it is back.

The retries themselves are silent: an attempt a second, each with its traceback, buries the log in an outage and
says less than these few lines. A pure state machine: the caller logs the lines it returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pipeline.durations import format_duration

Line = tuple[int, str]  # (logging level, message)


class OutageLog:
    """Feed it every failed attempt (`failed`) and every success (`succeeded`); log what it returns."""

    def __init__(
        self, service: str, *, remind_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.service = service
        self.remind_seconds = remind_seconds
        self.clock = clock
        self.down_since: float | None = None
        self.retries = 0
        self._said_at = 0.0

    def failed(self, reason: str) -> Line | None:
        """An attempt failed with `reason` (e.g. "unreachable (connection refused)") and will be retried."""
        now = self.clock()
        self.retries += 1
        if self.down_since is None:
            self.down_since = self._said_at = now
            return logging.WARNING, f"{self.service} {reason}; retrying with backoff until it is back"
        if now - self._said_at < self.remind_seconds:
            return None
        self._said_at = now
        down = format_duration(now - self.down_since)
        return logging.WARNING, f"{self.service} still {reason}, for {down} now ({_retries(self.retries)})"

    def succeeded(self) -> Line | None:
        """An attempt went through: the end of the outage, if there was one."""
        if self.down_since is None:
            return None
        down = format_duration(self.clock() - self.down_since)
        line = logging.INFO, f"{self.service} is back after {down} ({_retries(self.retries)})"
        self.down_since, self.retries = None, 0
        return line


def _retries(count: int) -> str:
    return "1 retry" if count == 1 else f"{count} retries"
