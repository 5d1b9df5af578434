"""Parse and tag in worker processes, each item within a time budget.

Parsing and tagging are pure CPU work (`pipeline.process.process`) and the worker's event loop is one thread: run
there, they use one core, and one pathological story (a megabyte of text) holds every partition until the
consumer group gives up on the worker, hands the partition on, and the story comes back to stall the next one.
Here they run in a pebble process pool (one process a core by default): the loop stays free, both cores work,
and an item over its budget has its process killed and comes back as `OverBudget`, for the caller to
dead-letter, so its partition moves on.

The functions sent to the pool take and return plain values (bytes, strings, tuples) so that what crosses the
process boundary stays cheap to pickle.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from pipeline.formats import Rejected
from pipeline.process import process
from pipeline.raw import RawItem


@dataclass(frozen=True, slots=True)
class Parsed:
    story_id: str
    record_json: str  # the record as `stories.parsed` carries it


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class OverBudget:
    seconds: float


Outcome = Parsed | Refused | OverBudget


def parse_item(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]], max_bytes: int) -> Outcome:
    """One raw Kafka record through parse and tag; any failure is a `Refused` with its reason (a parser bug is
    `parser_error`), so nothing raised in a pool process is lost."""
    item = RawItem.from_kafka(key, value, headers)
    try:
        record = process(item, max_bytes=max_bytes)
    except Rejected as rejected:
        return Refused(rejected.reason, rejected.detail)
    except Exception as exc:  # a parser bug must not stop the stream: keep the item, say why
        return Refused("parser_error", repr(exc))
    return Parsed(record.story_id, json.dumps(record.to_dict()))


def warm_up() -> None:
    """Build the gazetteers and models once per pool process, so no item pays for them within its budget."""
    parse_item(b"warm-up", b"Warm-up headline\n\nThe worker process builds its gazetteers on this story.", [], 10_000)


class ParsePool:
    """A process pool for `parse_item`, created on first use (not at import, not in processes that never parse)."""

    def __init__(self, *, processes: int, budget_seconds: float) -> None:
        self.processes = processes or os.cpu_count() or 1
        self.budget_seconds = budget_seconds
        self._pool: Any = None
        self._stopping = False

    async def parse(
        self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]], max_bytes: int
    ) -> Outcome:
        from pebble import ProcessExpired

        future = self._started().schedule(
            parse_item, args=(key, value, headers, max_bytes), timeout=self.budget_seconds
        )
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            return OverBudget(self.budget_seconds)
        except Exception as exc:
            if self._stopping:  # stopped under it: no outcome, so the item is not acked and comes again
                raise asyncio.CancelledError("the parse pool is stopping") from exc
            if isinstance(exc, ProcessExpired):  # the process died (out of memory, a crash in a C extension)
                return Refused("parser_crashed", f"the parsing process died: {exc}")
            raise

    def stop(self) -> None:
        """Stop the processes; items in them then have no outcome (the worker is stopping, they were not refused)."""
        self._stopping = True
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None

    def _started(self) -> Any:
        if self._pool is None:
            from pebble import ProcessPool

            # spawn, not fork: the worker holds threads (Kafka clients, the event loop) and a forked child could
            # inherit a lock one of them held
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPool(max_workers=self.processes, initializer=warm_up, context=context)
        return self._pool
