"""Acknowledgements in offset order for items that finish out of order.

The parse agent works on several items of a partition at once, and they finish in any order. faust-streaming
0.15.3 commits the first run of consecutive acknowledged offsets, and takes an unacknowledged offset right at the
last committed one for no gap (`Consumer._new_offset` tests `min(acked) - committed > 1`). So an item still in
flight there, behind a later one that finished first, can be committed past; if the partition then moves to
another worker, that item is never read again. Acknowledging each partition's items in the order they came keeps
every commit behind the oldest item in flight.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class InOrderAcks(Generic[Item]):
    """Items of each partition, released for acknowledgement only once every earlier one of it has finished."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, dict[int, tuple[Item, bool]]] = {}  # partition → offset → (item, finished)

    def started(self, partition: Hashable, offset: int, item: Item) -> None:
        """An item read. Items at or after its offset still pending are dropped: the partition was read again from
        there (it came back after a rebalance), so they come again too."""
        pending = self._pending.setdefault(partition, {})
        for stale in [at for at in pending if at >= offset]:
            del pending[stale]
        pending[offset] = (item, False)

    def finished(self, partition: Hashable, offset: int, item: Item) -> list[Item]:
        """The items to acknowledge now, in offset order: this one and the finished ones after it, once nothing
        earlier of its partition is still in flight."""
        pending = self._pending.get(partition, {})
        if offset not in pending or pending[offset][0] is not item:
            return []  # dropped when the partition was read again (maybe read at this offset anew): it comes again
        pending[offset] = (pending[offset][0], True)
        released = []
        for at in sorted(pending):
            item, done = pending[at]
            if not done:
                break
            released.append(item)
            del pending[at]
        return released
