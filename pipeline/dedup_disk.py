"""The dedup state on disk: `DedupStores` whose mappings are column families of one RocksDB database (rocksdict).

A 72-hour window of a real wire holds millions of stories, several KB each as Python objects: no worker's memory
holds that (docs/dedup.md). On disk, memory is RocksDB's write buffers and block cache, set here, whatever the
window holds. The keys of a column family come back in order, so eviction reads only the expired `expiry` keys.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

from rocksdict import BlockBasedIndexType, BlockBasedOptions, Cache, DBCompressionType, Options, Rdict

from pipeline.dedupe import DedupStores

V = TypeVar("V")

FAMILIES = ("stories", "items", "bands", "fingerprints", "expiry", "meta")
STORED = "stored"  # `meta` key: how many stories the indexes hold, to tell whether they match a recovered table
WRITE_BUFFER_BYTES = 8 * 1024 * 1024  # a column family's memtable; RocksDB keeps up to two of each
BLOCK_CACHE_BYTES = 64 * 1024 * 1024  # one cache of uncompressed blocks for every family
# The dedup tables in Faust's RocksDB store (`store="rocksdb://"`), sized like this database rather than Faust's
# defaults (a 2 GiB block cache and 64 MiB write buffers a table).
DISK_TABLE_OPTIONS = {
    "write_buffer_size": WRITE_BUFFER_BYTES,
    "max_write_buffer_number": 2,
    "block_cache_size": BLOCK_CACHE_BYTES,
}
_MISSING = object()
_ABOVE_ALL_KEYS = "\U0010ffff"  # sorts after every key a story id, band key or fingerprint can be


class DiskMapping(MutableMapping[str, V]):
    """One column family as a mapping; values are pickled by rocksdict. `len` reads every key: O(n)."""

    def __init__(self, family: Rdict) -> None:
        self._family = family

    def __getitem__(self, key: str) -> V:
        value = self._family.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._family.get(key)
        return default if value is None else value

    def __setitem__(self, key: str, value: V) -> None:
        self._family[key] = value

    def __delitem__(self, key: str) -> None:
        if self._family.get(key) is None:
            raise KeyError(key)
        del self._family[key]

    def pop(self, key: str, default: Any = _MISSING) -> Any:  # type: ignore[override]
        value = self._family.get(key)
        if value is None:
            if default is _MISSING:
                raise KeyError(key)
            return default
        del self._family[key]
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._family.keys())

    def __len__(self) -> int:
        return sum(1 for _ in self._family.keys())  # noqa: SIM118 (Rdict's keys(): keys only, not items)

    def items(self) -> Iterator[tuple[str, V]]:  # type: ignore[override]
        """Every entry, in key order, read in one pass (not one lookup a key)."""
        return iter(self._family.items())

    def close(self) -> None:
        self._family.close()

    def keys_before(self, bound: str) -> Iterator[str]:
        """The keys below `bound`, in order, read from the first: nothing past `bound` is read."""
        for key in self._family.keys():  # noqa: SIM118
            if key >= bound:
                return
            yield key

    def clear(self) -> None:
        """Every key at once: one range deletion, not one deletion a key."""
        self._family.delete_range("", _ABOVE_ALL_KEYS)


class DiskState:
    """An open dedup database: `stores` for a `Deduplicator`, `meta` for what the worker notes about them, `close`
    when done. Reopening the same directory gives the state back as it was written (RocksDB's write-ahead log
    covers a process that died)."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        options = _options(Cache(BLOCK_CACHE_BYTES))
        existing = set(Rdict.list_cf(str(path))) if (path / "CURRENT").exists() else set()
        self._db = Rdict(str(path), options, column_families={name: options for name in existing})
        families = {}
        for name in FAMILIES:
            family = (
                self._db.get_column_family(name) if name in existing else self._db.create_column_family(name, options)
            )
            families[name] = DiskMapping(family)
        self.meta: DiskMapping[int] = families.pop("meta")
        self.stores = DedupStores(**families)

    def memory_bytes(self) -> dict[str, int]:
        """What RocksDB holds in memory now: memtables and block cache, summed over the families."""
        totals = {"memtables": 0, "block_cache": 0}
        for name in FAMILIES:
            family = self._db.get_column_family(name)
            totals["memtables"] += family.property_int_value("rocksdb.cur-size-all-mem-tables") or 0
        totals["block_cache"] = self._db.property_int_value("rocksdb.block-cache-usage") or 0
        return totals

    def close(self) -> None:
        """Flush and release the database; the mappings are unusable afterwards."""
        for name in FAMILIES:
            (self.meta if name == "meta" else getattr(self.stores, name)).close()
        self._db.close()


def _options(cache: Cache) -> Options:
    """Small write buffers, one block cache, LZ4 and bloom filters: memory bounded by these, not by the state."""
    options = Options()
    options.create_if_missing(True)
    options.set_write_buffer_size(WRITE_BUFFER_BYTES)
    options.set_max_write_buffer_number(2)
    options.set_compression_type(DBCompressionType.lz4())
    table = BlockBasedOptions()
    table.set_block_cache(cache)
    table.set_bloom_filter(10, False)
    # Index and filter blocks live in the cache too, so memory stays bounded as the state grows; partitioned, so
    # a lookup loads a 4 KB partition, not a file's whole filter (unpartitioned: 210 µs a lookup at 20k stories,
    # against 4 µs).
    table.set_cache_index_and_filter_blocks(True)
    table.set_index_type(BlockBasedIndexType.two_level_index_search())
    table.set_partition_filters(True)
    table.set_pin_top_level_index_and_filter(True)
    table.set_metadata_block_size(4096)
    options.set_block_based_table_factory(table)
    return options
