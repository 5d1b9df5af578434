"""The pace and the progress of a replay, on an injected clock: when the next story is due at `--rate`, and the
progress line (items done of the file's total, rate, time left) logged every few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from pipeline.durations import format_duration

Clock = Callable[[], float]


class Pacer:
    """One story every 1/rate seconds (no rate: no wait).

    A schedule that fell behind (a slow Kafka commit, a followed file that stayed quiet) catches up by at most
    `catch_up` seconds' worth of stories: the average holds through a slow commit, and a quiet spell is not made
    up for with a burst."""

    def __init__(self, rate: float | None, *, clock: Clock = time.monotonic, catch_up: float = 1.0) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"a rate is a positive number of stories a second, not {rate}")
        self.interval = 1 / rate if rate else 0.0
        self.clock = clock
        self.catch_up = catch_up
        self._due: float | None = None

    def wait(self) -> float:
        """Seconds until the next story is due; 0 when it is."""
        if not self.interval:
            return 0.0
        now = self.clock()
        self._due = now if self._due is None else max(self._due, now - self.catch_up)
        return max(0.0, self._due - now)

    def sent(self) -> None:
        """The story that was due is on its way: the next is due one interval after it."""
        if self.interval:
            self._due = (self.clock() if self._due is None else self._due) + self.interval


class Progress:
    """Items done of the file's total (from the file's start, so a resumed replay counts what it had done), this
    run's rate, and the time left at that rate: one line at most every `every` seconds."""

    def __init__(
        self, done: int, total: int, *, following: bool = False, clock: Clock = time.monotonic, every: float = 5.0
    ) -> None:
        self.done = done
        self.total = total
        self.following = following  # the total grows with the file: at the end, the replay waits for more
        self.sent = 0
        self.clock = clock
        self.every = every
        self.started = self._said_at = clock()

    def advance(self, items: int) -> str | None:
        """Count `items` as done; the progress line when the last one is `every` seconds old."""
        self.done += items
        self.sent += items
        self.total = max(self.total, self.done)
        if self.clock() - self._said_at < self.every:
            return None
        return self.line()

    def line(self) -> str:
        now = self._said_at = self.clock()
        elapsed = now - self.started
        rate = self.sent / elapsed if elapsed > 0 else 0.0
        share = f"{100 * self.done / self.total:.1f}%" if self.total else "-"
        left = self.total - self.done
        if not left:
            eta = "caught up, following the file" if self.following else f"done in {format_duration(elapsed)}"
        elif rate:
            eta = f"ETA {format_duration(left / rate)}"
        else:
            eta = "ETA unknown"
        return f"replay: {self.done:,} of {self.total:,} items ({share}), {rate:,.1f} items/s, {eta}"
