"""The benchmark's visibility poller on the real Elasticsearch: new documents are found by the cheap range poll,
and a document indexed late (its indexed_at older than the poll's window) by the sweep of pending ids."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from tools.benchmark.services import Visibility

pytestmark = pytest.mark.integration


@pytest.fixture
def index(es: Elasticsearch, run_id: str) -> Iterator[str]:
    name = f"{run_id}-visibility"
    es.indices.create(index=name, body={"mappings": {"properties": {"indexed_at": {"type": "date"}}}})
    yield name
    es.indices.delete(index=name, ignore=[404])


def _put(es: Elasticsearch, index: str, doc_id: str, indexed_at_ms: int) -> None:
    es.index(index=index, id=doc_id, body={"indexed_at": indexed_at_ms}, refresh=True)


def test_new_documents_and_a_late_one_are_all_seen(es: Elasticsearch, index: str):
    now_ms = int(time.time() * 1000)
    with Visibility(es, index, interval=0.05, sweep=1.0) as visibility:
        for group, doc_id in enumerate(["a", "b", "late"]):
            visibility.watch(group, [doc_id])
        _put(es, index, "a", now_ms)
        assert visibility.wait([0], timeout=10)
        _put(es, index, "b", now_ms + 60_000)  # moves the window a minute on
        assert visibility.wait([1], timeout=10)
        _put(es, index, "late", now_ms)  # older than the window: only the sweep of pending ids finds it
        assert visibility.wait([2], timeout=10)
    assert visibility.indexed_at == {0: now_ms / 1000, 1: (now_ms + 60_000) / 1000, 2: now_ms / 1000}
    assert visibility.polls >= 3


def test_a_range_poll_alone_does_not_find_a_document_outside_its_window(es: Elasticsearch, index: str):
    now_ms = int(time.time() * 1000)
    with Visibility(es, index, interval=0.05, sweep=3600) as visibility:  # one sweep at the start, then ranges
        visibility.watch(0, ["a"])
        visibility.watch(1, ["late"])
        _put(es, index, "a", now_ms + 60_000)
        assert visibility.wait([0], timeout=10)
        _put(es, index, "late", now_ms)
        assert not visibility.wait([1], timeout=1.0)
