"""`wirestream dlq` on the real Kafka: dead letters written as the worker writes them (plus one in an aborted
transaction, which must not show) are listed, shown and replayed to the raw topic with their origin and without
the dlq-* headers. The test owns its dead-letter and raw topics and deletes them at the end."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from pipeline.deadletter import dead_letter_headers
from pipeline.kafka_security import kafka_python_options
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.integration.conftest import consume_all, wirestream

REPLAYED = RawItem(
    item_key("backfill", "urn:dlq:1"),
    b'{"uri": "urn:dlq:1", "headline": ',
    "backfill",
    "application/json",
    "replay",
    origin="file:/data/backfill.jsonl line:3",
)
PUSHED = RawItem(
    item_key("partner", "urn:dlq:2"),
    b"   ",
    "partner",
    "text/plain",
    "push",
    origin="request:5b0c1f0e9a7d4c2e8f6a1b3c5d7e9f01 item:2",
)
LATIN = RawItem(
    item_key("drop", "page.html"),
    "<html><body><p>Été à Genève</p></body></html>".encode("latin-1"),
    "drop",
    "text/html",
    "watch",
    origin="file:page.html",
)
REFUSED_DOC = {"story_id": "s-1", "headline": "Refused", "published_at": "not a date"}


@dataclass(frozen=True)
class DlqTopics:
    env: dict[str, str]
    settings: Settings
    offsets: dict[str, tuple[int, int]]  # what each dead letter is -> (partition, offset)


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **kafka_python_options(settings))


@pytest.fixture(scope="module")
def topics(env: dict[str, str], run_id: str, kafka_ready: None) -> Iterator[DlqTopics]:
    """Own dead-letter and raw topics (two partitions each) holding four dead letters and an aborted one."""
    prefix = f"{run_id}dlq"
    own = {**env, "WIRESTREAM_DLQ_TOPIC": f"{prefix}.stories.dlq", "WIRESTREAM_RAW_TOPIC": f"{prefix}.stories.raw"}
    settings = Settings(dlq_topic=own["WIRESTREAM_DLQ_TOPIC"], raw_topic=own["WIRESTREAM_RAW_TOPIC"])
    admin = _admin(settings)
    admin.create_topics([NewTopic(topic, 2, 1) for topic in (settings.dlq_topic, settings.raw_topic)])
    try:
        yield DlqTopics(own, settings, _write_dead_letters(settings))
    finally:
        admin.delete_topics([settings.dlq_topic, settings.raw_topic], timeout_ms=30_000)
        admin.close()


def _write_dead_letters(settings: Settings) -> dict[str, tuple[int, int]]:
    """Dead letters as pipeline/app.py `_dead_letter` sends them: parse ones carry the raw item's headers."""
    options = {"bootstrap_servers": settings.kafka_bootstrap, **kafka_python_options(settings)}
    producer = KafkaProducer(acks="all", **options)
    letters = {
        "replayed": (0, REPLAYED, "parse", "malformed_json", "Expecting value: line 1 column 34 (char 33)"),
        "refused": (0, None, "index", "mapper_parsing_exception", "failed to parse field [published_at]"),
        "pushed": (1, PUSHED, "parse", "empty", "no text after decoding"),
        "latin": (1, LATIN, "parse", "no_text", "no main text found"),
    }
    offsets = {}
    for name, (partition, item, stage, reason, detail) in letters.items():
        key, value = (item.key.encode(), item.value) if item else (b"s-1", json.dumps(REFUSED_DOC).encode())
        headers = dead_letter_headers(item.headers() if item else [], stage=stage, reason=reason, detail=detail)
        sent = producer.send(settings.dlq_topic, key=key, value=value, headers=headers, partition=partition)
        metadata = sent.get(timeout=30)
        offsets[name] = (metadata.partition, metadata.offset)
    producer.close()

    aborted = KafkaProducer(transactional_id=f"{settings.dlq_topic}-aborted", **options)  # read_committed hides it
    aborted.init_transactions()
    aborted.begin_transaction()
    headers = dead_letter_headers(REPLAYED.headers(), stage="parse", reason="aborted", detail="never committed")
    aborted.send(settings.dlq_topic, key=b"aborted", value=b"{}", headers=headers, partition=0)
    aborted.flush()
    aborted.abort_transaction()
    aborted.close()
    return offsets


def dlq(topics: DlqTopics, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        wirestream("dlq", *args), env=env or topics.env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_list_gives_one_line_per_committed_dead_letter_with_its_origin(topics: DlqTopics) -> None:
    run = dlq(topics, "list")
    assert run.returncode == 0, run.stderr
    listed = lines(run.stdout)
    assert [(each["partition"], each["offset"]) for each in listed] == sorted(topics.offsets.values())
    assert "aborted" not in {each["reason"] for each in listed}
    first = next(each for each in listed if (each["partition"], each["offset"]) == topics.offsets["replayed"])
    assert {name: first[name] for name in ("key", "stage", "reason", "origin", "source", "size")} == {
        "key": REPLAYED.key,
        "stage": "parse",
        "reason": "malformed_json",
        "origin": "file:/data/backfill.jsonl line:3",
        "source": "backfill",
        "size": len(REPLAYED.value),
    }
    assert first["detail"].startswith("Expecting value")
    refused = next(each for each in listed if each["stage"] == "index")
    assert (refused["origin"], refused["reason"]) == (None, "mapper_parsing_exception")

    assert [each["origin"] for each in lines(dlq(topics, "list", "--reason", "empty").stdout)] == [PUSHED.origin]
    assert [each["reason"] for each in lines(dlq(topics, "list", "--stage", "index").stdout)] == [
        "mapper_parsing_exception"
    ]
    assert len(lines(dlq(topics, "list", "--stage", "parse", "--limit", "2").stdout)) == 2


def test_show_prints_headers_and_the_payload_as_text_or_hex(topics: DlqTopics) -> None:
    partition, offset = topics.offsets["replayed"]
    run = dlq(topics, "show", f"{partition}:{offset}")
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["payload"] == REPLAYED.value.decode()
    assert shown["headers"]["origin"] == REPLAYED.origin
    assert shown["headers"]["dlq-stage"] == "parse"
    assert shown["headers"]["dlq-reason"] == "malformed_json"

    partition, offset = topics.offsets["latin"]
    shown = json.loads(dlq(topics, "show", f"{partition}:{offset}").stdout)
    assert "payload" not in shown
    assert shown["size"] == len(LATIN.value)
    assert shown["payload_hex_preview"].startswith("3c 68 74 6d 6c")  # <html
    assert shown["headers"]["origin"] == "file:page.html"


def test_errors_are_one_line_and_a_non_zero_exit(topics: DlqTopics) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{probe.getsockname()[1]}"
    missing = f"{topics.settings.dlq_topic}.missing"
    for args, env, status, words in (  # exit codes: EXIT_CODES in pipeline/cli.py
        (("show", "0-1"), {}, 2, "not PARTITION:OFFSET"),
        (("show", "7:0"), {}, 1, "no partition 7"),
        (("show", "0:100000"), {}, 1, "no offset 100000"),
        (("show", f"0:{topics.offsets['refused'][1] + 1}"), {}, 1, "no committed record"),  # the aborted one
        (("list",), {"WIRESTREAM_DLQ_TOPIC": missing}, 4, f"topic {missing} does not exist"),
        (("list",), {"WIRESTREAM_KAFKA_BOOTSTRAP": nowhere}, 3, f"Kafka {nowhere} unreachable"),
    ):
        run = dlq(topics, *args, env={**topics.env, **env})
        assert (run.returncode, run.stdout) == (status, ""), run.stderr
        [line] = run.stderr.splitlines()
        assert line.startswith("wirestream dlq: ") and words in line


def test_replay_sends_parse_dead_letters_back_with_original_headers_and_skips_the_others(topics: DlqTopics) -> None:
    dry = dlq(topics, "replay", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    *reports, summary = lines(dry.stdout)
    assert summary == {"topic": topics.settings.raw_topic, "would_replay": 3, "skipped": 1}
    [skipped] = [report for report in reports if "skipped" in report]
    assert skipped["stage"] == "index" and "not the raw item" in skipped["skipped"]
    assert consume_all(topics.settings, topics.settings.raw_topic, expect=1, timeout=3) == []

    run = dlq(topics, "replay", "--stage", "parse", "--reason", "malformed_json")
    assert run.returncode == 0, run.stderr
    *reports, summary = lines(run.stdout)
    assert summary == {"topic": topics.settings.raw_topic, "replayed": 1, "skipped": 0}
    assert [report["origin"] for report in reports] == [REPLAYED.origin]
    run = dlq(topics, "replay", "--reason", "empty")
    assert lines(run.stdout)[-1] == {"topic": topics.settings.raw_topic, "replayed": 1, "skipped": 0}

    raw = consume_all(topics.settings, topics.settings.raw_topic, expect=2)
    by_key = {record.key.decode(): record for record in raw}
    assert sorted(by_key) == sorted([REPLAYED.key, PUSHED.key])
    for item in (REPLAYED, PUSHED):
        record = by_key[item.key]
        assert record.value == item.value
        assert list(record.headers) == item.headers()  # the connector's headers, in order, origin included
        assert not [name for name, _ in record.headers if name.startswith("dlq-")]
        assert RawItem.from_kafka(record.key, record.value, record.headers) == item

    admin = _admin(topics.settings)
    try:
        groups = [group["group_id"] for group in admin.list_groups()]
    finally:
        admin.close()
    assert not [group for group in groups if "dlq" in group], "reading the dead letters left a consumer group"
