"""One story can never stall the worker, on the real servers: a 1.9 MB story whose parse and tag run over the item
time budget is dead-lettered once with its reason, the stories behind it on the same partition are indexed, and
the partition moves on (committed past it), so the story does not come back to stall it again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer

from pipeline.parse import parse
from pipeline.raw import RawItem, item_key
from tests.integration.conftest import (
    distinct_stories,
    drained,
    indexed_ids,
    records,
    running_worker,
    settings_of,
    wait_for,
)

SOURCE = "budgetwire"
PARTITION = 0
BUDGET_SECONDS = "0.5"  # a wire story takes milliseconds; the 1.9 MB one takes seconds


def huge_story() -> bytes:
    """A plain-text story of 1.9 MB: a headline and 10,600 distinct paragraphs naming people and places."""
    places = ["Nairobi", "Lima", "Oslo", "Hanoi", "Quito", "Accra"]
    names = ["Anna Kowalska", "Tomas Ruiz", "Mei Lin", "Omar Haddad", "Sara Berg"]
    paragraphs = [
        f"Officials in {places[n % 6]} said on Tuesday that {names[n % 5]} had met the finance minister for round "
        f"{n} of talks on the budget, according to a statement released after the meeting ended."
        for n in range(10_600)
    ]
    return ("Budget talks drag on for a record number of rounds\n\n" + "\n\n".join(paragraphs)).encode()


@pytest.fixture
def budget_env(own_app: Callable[..., dict[str, str]]) -> dict[str, str]:
    return own_app("tb", WIRESTREAM_ITEM_TIME_BUDGET_SECONDS=BUDGET_SECONDS)


@pytest.fixture
def budget_worker(budget_env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    with running_worker(budget_env, log):
        yield log


def test_a_story_over_its_time_budget_is_dead_lettered_once_and_stalls_nothing(
    budget_worker: Path, budget_env: dict[str, str], es: Elasticsearch, run_id: str
) -> None:
    settings = settings_of(budget_env)
    huge = RawItem(item_key(SOURCE, "huge"), huge_story(), SOURCE, "text/plain", "replay")
    assert 1_800_000 < len(huge.value) < settings.max_story_bytes
    behind = [
        RawItem(item_key(SOURCE, f"n{n}"), story, SOURCE, "application/json", "replay")
        for n, story in enumerate(distinct_stories(10, seed=31, prefix=f"{run_id}tb"))
    ]
    expected = sorted(parse(item, max_bytes=settings.max_story_bytes).story_id for item in behind)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", max_request_size=4_000_000)
    try:
        offsets = [
            producer.send(
                settings.raw_topic, key=item.key.encode(), value=item.value, headers=item.headers(), partition=PARTITION
            ).get(timeout=30)
            for item in [huge, *behind]
        ]
    finally:
        producer.close(timeout=10)

    alias = settings.index_alias
    wait_for(
        lambda: es.indices.exists_alias(name=alias) and indexed_ids(es, alias) == expected,
        timeout=120,
        what="the ten stories behind the huge one indexed",
        log=budget_worker,
    )
    wait_for(
        lambda: drained(settings, partition=PARTITION, after=offsets[-1].offset),
        timeout=60,
        what="the worker group to commit past every story of the partition",
        log=budget_worker,
    )
    time.sleep(5)  # were the huge story redelivered, it would be dead-lettered again by now
    dead = [record for record in records(settings, settings.dlq_topic, None, "read_committed") if record.key]
    assert [record.key for record in dead] == [huge.key.encode()]
    headers = {name: value.decode() for name, value in dead[0].headers}
    assert headers["dlq-reason"] == "over_time_budget"
    assert headers["dlq-stage"] == "parse"
    assert dead[0].value == huge.value  # the original bytes, for a replay with a larger budget
