"""Fault cases on real servers: each streams stories through a real connector and worker, breaks something on
the way, and checks by id that every story sent is indexed exactly once and every bad item is in the
dead-letter topic exactly once. Each case is bounded in time and prints its counts.

Order matters only for speed: the Elasticsearch cases come last, so the others do not wait for it to restart.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from connectors.identity import story_id as item_id
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from tests.faults.harness import (
    CaseFailed,
    Expectation,
    FaultServices,
    LagSampler,
    Outcome,
    Process,
    Worker,
    indexed_docs,
    read_topic,
    replay,
    send_raw,
    settle,
    verify,
    wait_for,
    write_jsonl,
)
from tests.faults.stories import POISONS, months_back, story_id
from tools.synthetic import jsonl, ninjs_story

WORKER_STOP_SECONDS = 30  # SIGTERM to exit, worker
CONNECTOR_STOP_SECONDS = 15  # SIGTERM to exit, connector (the batch in flight finishes first)
SETTLE_SECONDS = 150  # after the fault: every story indexed within this
OUTAGE_STOP_SECONDS = 15  # SIGTERM to exit, worker, while Elasticsearch is away (then it is killed)


@dataclass
class Case:
    """One fault case: its stories, the processes it starts and the notes it prints, on the session's worker."""

    name: str
    worker: Worker
    env: dict[str, str]
    settings: Settings
    es: Elasticsearch
    logs: Path
    tmp_path: Path
    connectors: list[Process]
    record: list[Outcome]
    started: float = field(default_factory=time.monotonic)
    notes: dict[str, object] = field(default_factory=dict)

    def stories(self, count: int, published: Sequence[datetime] = ()) -> tuple[Path, Expectation]:
        """A JSON-lines file of `count` distinct stories for the replay connector, and what it promises; story n is
        published at `published[n % len(published)]` when given."""
        stories = [
            ninjs_story(self.name, n, **({"published": published[n % len(published)]} if published else {}))
            for n in range(count)
        ]
        path = self.tmp_path / f"{self.name}.jsonl"
        path.write_bytes(jsonl(stories))
        promised = {story_id(self.name, s["uri"]): s["headline"] for s in stories}
        return path, Expectation(self.name, self.name, promised, sent=count)

    def connector(self, path: Path, *, rate: float | None, batch: int = 50) -> Process:
        """The replay connector over `path`, started (and stopped at the end of the case if still running)."""
        connector = replay(self.env, self.logs, path, source=self.name, rate=rate, batch=batch)
        self.connectors.append(connector)
        connector.start()
        return connector

    def stream(self, count: int = 1000, rate: float = 120) -> tuple[Process, Expectation]:
        """`count` stories at `rate` a second, returned once the first 200 are searchable: a stream under way."""
        path, expected = self.stories(count)
        connector = self.connector(path, rate=rate)
        self.until_indexed(200)
        return connector, expected

    def indexed(self) -> int:
        return len(indexed_docs(self.es, self.settings.index_alias, self.name))

    def until_indexed(self, at_least: int, timeout: float = 90) -> None:
        wait_for(lambda: self.indexed() >= at_least, timeout=timeout, what=f"{at_least} indexed")

    def settle(self, expected: Expectation) -> Outcome:
        return settle(self.es, self.settings, expected, timeout=SETTLE_SECONDS)

    def stop_connector(self, connector: Process) -> None:
        code, seconds = connector.stop(signal.SIGTERM, timeout=60)
        self.notes["connector_exit"] = f"{seconds:.1f}s"
        if code != 0 or seconds > CONNECTOR_STOP_SECONDS:
            raise CaseFailed(f"connector: SIGTERM gave exit {code} after {seconds:.1f}s\n{connector.tail()}")

    def finish(self, outcome: Outcome, connector: Process, limit: float = 240) -> None:
        """Stop the connector, print the counts, and fail on any story lost or duplicated, or on time."""
        self.stop_connector(connector)
        outcome.seconds = time.monotonic() - self.started
        outcome.notes.update(self.notes)
        self.record.append(outcome)
        verify(outcome)
        assert outcome.seconds < limit, f"{outcome.case} took {outcome.seconds:.0f}s, over its {limit:.0f}s bound"


@pytest.fixture
def case(
    request: pytest.FixtureRequest,
    ready_worker: Worker,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> Case:
    """The case named by the test's `case` mark."""
    name = request.node.get_closest_marker("case").args[0]
    return Case(name, ready_worker, env, settings, es, logs, tmp_path, connectors, record)


def drain(lag: LagSampler, timeout: float = 90) -> float:
    """Seconds until the worker group has committed everything (every agent on the topic, not only the indexer)."""
    began = time.monotonic()
    time.sleep(2)  # a sample after the last commit
    wait_for(lambda: lag.last == 0, timeout=timeout, what="the worker's lag to drain to 0")
    return time.monotonic() - began


@pytest.mark.timeout(300)
@pytest.mark.case("poison")
def test_poison_in_every_format_oversized_story_and_a_flood_of_duplicates(case: Case) -> None:
    name, settings, es = case.name, case.settings, case.es
    path, expected = case.stories(200)
    # markup in a story's text is stored as plain text
    scripted = ninjs_story(name, 9000)
    scripted["headline"] = "<script>alert('headline')</script>" + scripted["headline"]
    scripted["body_text"] = "&lt;script&gt;alert(1)&lt;/script&gt;<img src=x onerror=alert(2)>" + scripted["body_text"]
    # over WIRESTREAM_MAX_STORY_BYTES (50 000 here): a real story, refused for its size
    oversized = ninjs_story(name, 9001)
    oversized["body_text"] = "\n".join(oversized["body_text"] for _ in range(400))
    flood = ninjs_story(name, 9002)
    write_jsonl(path, [scripted, oversized, *[flood] * 300])
    expected.stories[story_id(name, scripted["uri"])] = ninjs_story(name, 9000)["headline"]
    expected.stories[story_id(name, flood["uri"])] = flood["headline"]
    expected.bad[item_key(name, oversized["uri"]).encode()] = frozenset({"too_large"})
    expected.sent += 302
    for poison in POISONS:
        expected.bad[poison.item(name).key.encode()] = poison.reasons

    connector = case.connector(path, rate=None)
    expected.sent += send_raw(settings, [poison.item(name) for poison in POISONS])
    if (first := case.settle(expected)).lost:  # every story in, the flood filed as one; then the mirror comes
        case.finish(first, connector)
    # the same bytes again from another publisher, 100 times: dedup files them under the story already indexed, and
    # their redeliveries must not make the mirror the document's primary source
    mirror = "poison-mirror"
    value = jsonl([flood]).strip()
    copies = [RawItem(item_key(mirror, item_id(value)), value, mirror, "application/json", "faults")] * 100
    flood_id = story_id(name, flood["uri"])

    def mirrored() -> int:
        records = [json.loads(r.value) for r in read_topic(settings, settings.enriched_topic)]
        return sum(1 for r in records if r["story_id"] == flood_id and r["source"]["publisher"] == mirror)

    with LagSampler(settings, [settings.enriched_topic]) as lag:
        expected.sent += send_raw(settings, copies)
        wait_for(lambda: mirrored() == len(copies), timeout=90, what="every mirrored copy through dedup")
        drain(lag)  # and written
    outcome = case.settle(expected)

    def flood_documents() -> list[dict]:
        es.indices.refresh(index=f"{settings.index_alias}-*")
        query = {"query": {"term": {"headline.raw": flood["headline"]}}, "size": 10}
        return es.search(index=settings.index_alias, body=query)["hits"]["hits"]

    # one document, still under its own publisher, with the mirror added to its sources
    docs = flood_documents()
    outcome.duplicated += len(docs) - 1
    case.notes["flood"] = f"400->{len(docs)}doc"
    ids = {"query": {"ids": {"values": [story_id(name, scripted["uri"])]}}}
    [doc] = es.search(index=settings.index_alias, body=ids)["hits"]["hits"]
    text = " ".join([doc["_source"]["headline"], *doc["_source"]["body"]])
    assert "<" not in text and "alert" not in text and "onerror" not in text, text
    case.notes["script_story"] = "plain"
    case.finish(outcome, connector)  # a story whose document changed publisher counts as lost, and says so
    held = [(d["_source"]["source"]["publisher"], [s["publisher"] for s in d["_source"]["sources"]]) for d in docs]
    assert held == [(name, [name, mirror])], held


@pytest.mark.timeout(300)
@pytest.mark.case("sigterm")
def test_sigterm_mid_stream_worker_and_connector_hand_back_and_exit_in_time(case: Case) -> None:
    connector, expected = case.stream()
    code, seconds = case.worker.stop(signal.SIGTERM, timeout=90)
    case.notes["worker_exit"] = f"{seconds:.1f}s"
    if code != 0 or seconds > WORKER_STOP_SECONDS:
        raise CaseFailed(f"worker: SIGTERM gave exit {code} after {seconds:.1f}s\n{case.worker.tail()}")
    case.stop_connector(connector)
    connector.start()
    case.notes["worker_back_in"] = f"{case.worker.start_ready():.0f}s"
    case.finish(case.settle(expected), connector)


@pytest.mark.timeout(300)
@pytest.mark.case("sigkill")
def test_worker_and_connector_killed_with_sigkill_and_restarted(case: Case) -> None:
    connector, expected = case.stream()
    case.worker.stop(signal.SIGKILL)
    case.notes["worker_back_in"] = f"{case.worker.start_ready():.0f}s"
    time.sleep(2)
    connector.stop(signal.SIGKILL)
    connector.start()
    case.finish(case.settle(expected), connector)


@pytest.mark.timeout(300)
@pytest.mark.case("rebalance")
def test_a_second_worker_joins_mid_stream_and_leaves_again(case: Case) -> None:
    """Scaling out and back in: two rebalances mid-stream, partitions and dedup state moving between workers."""
    connector, expected = case.stream(1500, rate=40)  # still flowing when the second worker leaves
    data = case.logs / "faust-second"
    data.mkdir(exist_ok=True)
    port = str(int(case.env["WIRESTREAM_WORKER_WEB_PORT"]) + 1)
    second = Worker({**case.env, "WIRESTREAM_WORKER_WEB_PORT": port, "WIRESTREAM_WORKER_DATA_DIR": str(data)},
                    case.logs, name="worker-second")  # fmt: skip
    joined: float | None = None
    try:
        joined = second.start_ready(timeout=60)
        case.notes["joined_in"] = f"{joined:.0f}s"
        time.sleep(10)  # both at work
        case.notes["indexed_by_two"] = indexed_by_two = case.indexed()
    finally:
        code, seconds = second.stop(signal.SIGTERM, timeout=WORKER_STOP_SECONDS)
        case.notes["second_exit"] = f"exit {code} in {seconds:.1f}s"
    case.finish(case.settle(expected), connector)
    assert code == 0, f"the second worker: {case.notes['second_exit']}\n{second.tail()}"
    assert indexed_by_two < len(expected.stories), "the stream ended before the second worker left: nothing tested"


@pytest.mark.timeout(360)
@pytest.mark.case("kafka-restart")
def test_kafka_broker_stopped_and_restarted_mid_stream(case: Case, services: FaultServices) -> None:
    connector, expected = case.stream()
    away_at = time.monotonic()
    services.run("down", "kafka")
    try:
        time.sleep(10)  # the broker is away; both keep retrying
        if not (case.worker.alive() and connector.alive()):
            raise CaseFailed(f"a process gave up while Kafka was away:\n{case.worker.tail()}\n{connector.tail()}")
    finally:
        services.run("up", "kafka")
    case.notes["kafka_away"] = f"{time.monotonic() - away_at:.0f}s"
    outcome = case.settle(expected)
    if not (case.worker.alive() and connector.alive()):
        raise CaseFailed("a process exited instead of reconnecting")
    case.notes["reconnected"] = "by themselves"
    case.finish(outcome, connector, limit=300)


@pytest.mark.timeout(360)
@pytest.mark.case("es-down-30s")
def test_elasticsearch_stopped_for_30_seconds(case: Case, services: FaultServices) -> None:
    worker = case.worker
    retries_before = worker.metric("wirestream_index_retries_total")
    with LagSampler(case.settings, [case.settings.enriched_topic]) as lag:
        connector, expected = case.stream()
        lag_before = lag.last
        down_at = time.monotonic()
        services.run("down", "elasticsearch")
        try:
            time.sleep(8)
            if not worker.alive():
                raise CaseFailed(f"the worker exited while Elasticsearch was away:\n{worker.tail()}")
            case.notes["retries"] = int(worker.metric("wirestream_index_retries_total") - retries_before)
            # SIGTERM while it holds a batch Elasticsearch will not take: it hands the batch back (no commit) and
            # exits. Were it still there after the bound, it would be killed, as an orchestrator would, and the
            # case fails at its end. Its successor, started while Elasticsearch is still away, gets the batch again.
            code, seconds = worker.stop(signal.SIGTERM, timeout=OUTAGE_STOP_SECONDS)
            case.notes["sigterm_in_outage"] = f"exit {code} in {seconds:.1f}s" if code is not None else "killed"
            worker.start_ready()
            time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
            lag_down = lag.last
        finally:
            services.run("up", "elasticsearch")
        outcome = case.settle(expected)
        drained = drain(lag)
    case.notes["lag"] = f"{lag_before}->{lag_down}->{lag.last}"
    case.notes["drained_in"] = f"{drained:.0f}s"
    # The stream may have been all produced before the outage began (on a loaded machine the first 200 take longer
    # to index than the whole stream takes to produce), so the lag need not grow; it must not drain: a worker that
    # read past what Elasticsearch took would show a lag of zero here, and stories missing below.
    if lag_down == 0:
        raise CaseFailed(f"the enriched topic drained while Elasticsearch was away: {lag.samples}")
    case.finish(outcome, connector, limit=300)
    assert code == 0 and seconds <= OUTAGE_STOP_SECONDS, f"SIGTERM in the outage: {case.notes['sigterm_in_outage']}"


@pytest.mark.timeout(300)
@pytest.mark.case("es-429")
def test_elasticsearch_answering_429_from_a_full_bulk_queue(case: Case) -> None:
    """The fault server's bulk queue holds one request and the node has two write threads; stories from twelve
    months make each bulk request write to twelve monthly indices at once, so most of it is refused with 429
    (es_rejected_execution_exception) until the worker's backoff brings it through."""
    path, expected = case.stories(1000, published=months_back(12))

    def rejected() -> int:
        nodes = case.es.nodes.stats(metric="thread_pool")["nodes"].values()
        return sum(node["thread_pool"]["write"]["rejected"] for node in nodes)

    rejected_before = rejected()
    with LagSampler(case.settings, [case.settings.enriched_topic]) as lag:
        connector = case.connector(path, rate=None, batch=200)
        outcome = case.settle(expected)
        drained = drain(lag)
    case.notes["es_429"] = refused = rejected() - rejected_before
    case.notes["lag"] = f"peak {lag.peak}->{lag.last}"
    case.notes["drained_in"] = f"{drained:.0f}s"
    if refused == 0:
        raise CaseFailed("Elasticsearch never answered 429: the case tested nothing")
    case.finish(outcome, connector)


def test_the_helpers_agree_with_the_pipeline() -> None:
    """The suite's expected ids are the worker's (pipeline.parse) for a story it accepts."""
    from pipeline.process import process

    story = ninjs_story("check", 1)
    value = jsonl([story]).strip()
    item = RawItem(item_key("check", item_id(value)), value, "check", "application/json", "replay")
    record = process(item, max_bytes=50_000)
    assert record.story_id == story_id("check", story["uri"])
    assert record.headline == story["headline"] and len(record.body) == 3
