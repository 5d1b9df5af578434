"""Items of a partition released for acknowledgement in offset order, whatever order they finish in. Items are
known by identity (events are): the tests pass the very strings they started with."""

from __future__ import annotations

from pipeline.ordered_acks import InOrderAcks


def test_a_later_item_waits_for_an_earlier_one_still_in_flight() -> None:
    acks: InOrderAcks[str] = InOrderAcks()
    for offset, item in ((10, "item10"), (11, "item11"), (12, "item12")):
        acks.started("p0", offset, item)
    assert acks.finished("p0", 11, "item11") == []  # 10 is still in flight: committing 12 would skip it
    assert acks.finished("p0", 12, "item12") == []
    assert acks.finished("p0", 10, "item10") == ["item10", "item11", "item12"]


def test_partitions_do_not_wait_for_each_other() -> None:
    acks: InOrderAcks[str] = InOrderAcks()
    acks.started("p0", 5, "a")
    acks.started("p1", 7, "b")
    assert acks.finished("p1", 7, "b") == ["b"]
    assert acks.finished("p0", 5, "a") == ["a"]


def test_a_partition_read_again_drops_what_was_pending_from_there() -> None:
    acks: InOrderAcks[str] = InOrderAcks()
    acks.started("p0", 20, "old20")
    acks.started("p0", 21, "old21")
    acks.started("p0", 20, "new20")  # the partition came back after a rebalance and is read again from 20
    assert acks.finished("p0", 20, "old20") == []  # the old item finishing late does not release the new one
    assert acks.finished("p0", 21, "old21") == []  # dropped; it comes again
    assert acks.finished("p0", 20, "new20") == ["new20"]
    acks.started("p0", 21, "new21")
    assert acks.finished("p0", 21, "new21") == ["new21"]
