"""The parse pool when the worker stops: an item in flight gets no outcome (it is not acked and comes again), not
a refusal that would dead-letter it as a crashed parser."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.parse_pool import ParsePool


def test_an_item_in_flight_when_the_pool_stops_has_no_outcome() -> None:
    async def parse_while_stopping() -> None:
        pool = ParsePool(processes=1, budget_seconds=60)
        story = b"Long story\n\n" + b"The council met again on Monday and talked for hours. " * 20_000
        parsing = asyncio.ensure_future(pool.parse(b"k", story, [], 3_000_000))
        await asyncio.sleep(1.0)  # in the pool: its process is starting or at work
        pool.stop()
        with pytest.raises(asyncio.CancelledError):
            await parsing

    asyncio.run(parse_while_stopping())
