"""Fault cases on real servers: each streams stories through a real connector and worker, breaks something on
the way, and checks by story id that every story sent is indexed exactly once and every bad item is in the
dead-letter topic. Each case is bounded in time and prints its counts.

Order matters only for speed: the Elasticsearch cases come last, so the others do not wait for it to restart.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from connectors.identity import story_id as item_id
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from pipeline.synthetic import jsonl, ninjs_story
from tests.faults.harness import (
    CaseFailed,
    Expectation,
    FaultServices,
    LagSampler,
    Outcome,
    Process,
    Worker,
    indexed_docs,
    replay,
    send_raw,
    settle,
    verify,
    wait_for,
    write_jsonl,
)
from tests.faults.stories import POISONS, months_back, story_id

WORKER_STOP_SECONDS = 30  # SIGTERM to exit, worker
CONNECTOR_STOP_SECONDS = 15  # SIGTERM to exit, connector (the batch in flight finishes first)
SETTLE_SECONDS = 150  # after the fault: every story indexed within this
OUTAGE_STOP_SECONDS = 15  # SIGTERM to exit, worker, while Elasticsearch is away (then it is killed)
OUTAGE_SHUTDOWN: dict[str, float | int | None] = {}  # what SIGTERM did during the Elasticsearch outage


def stream(case: str, count: int, tmp_path: Path, **story_options: object) -> tuple[Path, Expectation]:
    """A JSON-lines file of `count` distinct stories for the replay connector, and what it promises."""
    stories = [ninjs_story(case, n, **story_options) for n in range(count)]  # type: ignore[arg-type]
    path = tmp_path / f"{case}.jsonl"
    path.write_bytes(jsonl(stories))
    expected = Expectation(case, case, {story_id(case, s["uri"]): s["headline"] for s in stories}, sent=count)
    return path, expected


def indexed_count(es: Elasticsearch, settings: Settings, source: str) -> int:
    return len(indexed_docs(es, settings.index_alias, source))


def until_indexed(es: Elasticsearch, settings: Settings, source: str, at_least: int, timeout: float = 90) -> None:
    """Block until the stream is under way: `at_least` of its stories are searchable."""
    wait_for(lambda: indexed_count(es, settings, source) >= at_least, timeout=timeout, what=f"{at_least} indexed")


def drain(lag: LagSampler, timeout: float = 90) -> float:
    """Seconds until the worker group has committed everything (every agent on the topic, not only the indexer)."""
    began = time.monotonic()
    time.sleep(2)  # a sample after the last commit
    wait_for(lambda: lag.last == 0, timeout=timeout, what="the worker's lag to drain to 0")
    return time.monotonic() - began


def stop_connector(connector: Process, notes: dict[str, object]) -> None:
    code, seconds = connector.stop(signal.SIGTERM, timeout=60)
    notes["connector_exit"] = f"{seconds:.1f}s"
    if code != 0 or seconds > CONNECTOR_STOP_SECONDS:
        raise CaseFailed(f"connector: SIGTERM gave exit {code} after {seconds:.1f}s\n{connector.tail()}")


def finish(
    outcome: Outcome, started: float, record: list[Outcome], notes: dict[str, object], limit: float = 300
) -> None:
    outcome.seconds = time.monotonic() - started
    outcome.notes.update(notes)
    record.append(outcome)
    verify(outcome)
    assert outcome.seconds < limit, f"{outcome.case} took {outcome.seconds:.0f}s, over its {limit:.0f}s bound"


@pytest.mark.timeout(300)
def test_poison_in_every_format_oversized_story_and_a_flood_of_duplicates(
    ready_worker: Worker,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    started = time.monotonic()
    case = "poison"
    path, expected = stream(case, 200, tmp_path)
    # markup in a story's text is stored as plain text
    scripted = ninjs_story(case, 9000)
    scripted["headline"] = "<script>alert('headline')</script>" + scripted["headline"]
    scripted["body_text"] = "&lt;script&gt;alert(1)&lt;/script&gt;<img src=x onerror=alert(2)>" + scripted["body_text"]
    # over WIRESTREAM_MAX_STORY_BYTES (50 000 here): a real story, refused for its size
    oversized = ninjs_story(case, 9001)
    oversized["body_text"] = "\n".join(oversized["body_text"] for _ in range(400))
    flood = ninjs_story(case, 9002)
    write_jsonl(path, [scripted, oversized, *[flood] * 300])
    expected.stories[story_id(case, scripted["uri"])] = ninjs_story(case, 9000)["headline"]
    expected.stories[story_id(case, flood["uri"])] = flood["headline"]
    expected.bad[item_key(case, oversized["uri"]).encode()] = frozenset({"too_large"})
    expected.sent += 302
    for poison in POISONS:
        expected.bad[poison.item(case).key.encode()] = poison.reasons

    connector = replay(env, logs, path, source=case, rate=None)
    connectors.append(connector)
    connector.start()
    expected.sent += send_raw(settings, [poison.item(case) for poison in POISONS])
    flood_id = story_id(case, flood["uri"])
    wait_for(lambda: flood_id in {d["id"] for d in indexed_docs(es, settings.index_alias, case)}, timeout=90,
             what="the flooded story indexed")  # fmt: skip
    # the same bytes again from another publisher: dedup files them under the story already indexed
    mirror = "poison-mirror"
    value = jsonl([flood]).strip()
    copies = [RawItem(item_key(mirror, item_id(value)), value, mirror, "application/json", "faults")] * 100
    expected.sent += send_raw(settings, copies)

    outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)

    def flood_documents() -> list[dict]:
        es.indices.refresh(index=f"{settings.index_alias}-*")
        query = {"query": {"term": {"headline.raw": flood["headline"]}}, "size": 10}
        return es.search(index=settings.index_alias, body=query)["hits"]["hits"]

    # the mirror copies add their publisher to the one document; none becomes a document of its own
    wait_for(
        lambda: any(s.get("publisher") == mirror for d in flood_documents() for s in d["_source"]["sources"]),
        timeout=60,
        what="the mirrored copies filed under the flooded story",
    )
    flood_docs = flood_documents()
    outcome.duplicated += len(flood_docs) - 1
    outcome.notes["flood"] = f"400->{len(flood_docs)}doc"
    ids = {"query": {"ids": {"values": [story_id(case, scripted["uri"])]}}}
    [doc] = es.search(index=settings.index_alias, body=ids)["hits"]["hits"]
    text = " ".join([doc["_source"]["headline"], *doc["_source"]["body"]])
    assert "<" not in text and "alert" not in text and "onerror" not in text, text
    outcome.notes["script_story"] = "plain"
    stop_connector(connector, outcome.notes)
    finish(outcome, started, record, {}, limit=240)


@pytest.mark.timeout(300)
def test_sigterm_mid_stream_worker_and_connector_hand_back_and_exit_in_time(
    ready_worker: Worker,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    started = time.monotonic()
    case = "sigterm"
    path, expected = stream(case, 1000, tmp_path)
    connector = replay(env, logs, path, source=case, rate=120)
    connectors.append(connector)
    connector.start()
    until_indexed(es, settings, case, 200)
    notes: dict[str, object] = {}
    code, seconds = ready_worker.stop(signal.SIGTERM, timeout=90)
    notes["worker_exit"] = f"{seconds:.1f}s"
    if code != 0 or seconds > WORKER_STOP_SECONDS:
        raise CaseFailed(f"worker: SIGTERM gave exit {code} after {seconds:.1f}s\n{ready_worker.tail()}")
    stop_connector(connector, notes)
    connector.start()
    notes["worker_back_in"] = f"{ready_worker.start_ready():.0f}s"
    outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)
    stop_connector(connector, notes)
    finish(outcome, started, record, notes, limit=240)


@pytest.mark.timeout(300)
def test_worker_and_connector_killed_with_sigkill_and_restarted(
    ready_worker: Worker,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    started = time.monotonic()
    case = "sigkill"
    path, expected = stream(case, 1000, tmp_path)
    connector = replay(env, logs, path, source=case, rate=120)
    connectors.append(connector)
    connector.start()
    until_indexed(es, settings, case, 200)
    ready_worker.stop(signal.SIGKILL)
    rejoined = ready_worker.start_ready()
    time.sleep(2)
    connector.stop(signal.SIGKILL)
    connector.start()
    outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)
    notes: dict[str, object] = {"worker_back_in": f"{rejoined:.0f}s"}
    stop_connector(connector, notes)
    finish(outcome, started, record, notes, limit=240)


@pytest.mark.timeout(360)
def test_kafka_broker_stopped_and_restarted_mid_stream(
    ready_worker: Worker,
    services: FaultServices,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    started = time.monotonic()
    case = "kafka-restart"
    path, expected = stream(case, 1000, tmp_path)
    connector = replay(env, logs, path, source=case, rate=120)
    connectors.append(connector)
    connector.start()
    until_indexed(es, settings, case, 200)
    away_at = time.monotonic()
    services.run("down", "kafka")
    try:
        time.sleep(10)  # the broker is away; both keep retrying
        if not (ready_worker.alive() and connector.alive()):
            raise CaseFailed(f"a process gave up while Kafka was away:\n{ready_worker.tail()}\n{connector.tail()}")
    finally:
        services.run("up", "kafka")
    away = time.monotonic() - away_at
    outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)
    if not (ready_worker.alive() and connector.alive()):
        raise CaseFailed("a process exited instead of reconnecting")
    notes: dict[str, object] = {"kafka_away": f"{away:.0f}s", "reconnected": "by themselves"}
    stop_connector(connector, notes)
    finish(outcome, started, record, notes, limit=300)


@pytest.mark.timeout(360)
def test_elasticsearch_stopped_for_30_seconds(
    ready_worker: Worker,
    services: FaultServices,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    started = time.monotonic()
    case = "es-down-30s"
    path, expected = stream(case, 1000, tmp_path)
    connector = replay(env, logs, path, source=case, rate=120)
    connectors.append(connector)
    retries_before = ready_worker.metric("wirestream_index_retries_total")
    with LagSampler(settings, [settings.enriched_topic]) as lag:
        connector.start()
        until_indexed(es, settings, case, 200)
        lag_before = lag.last
        down_at = time.monotonic()
        services.run("down", "elasticsearch")
        try:
            time.sleep(8)
            if not ready_worker.alive():
                raise CaseFailed(f"the worker exited while Elasticsearch was away:\n{ready_worker.tail()}")
            retries = ready_worker.metric("wirestream_index_retries_total") - retries_before
            # SIGTERM while it holds a batch Elasticsearch will not take: it should hand the batch back (no commit)
            # and exit; if it does not within the bound it is killed, as an orchestrator would. Either way its
            # successor, started while Elasticsearch is still away, gets the batch again.
            code, seconds = ready_worker.stop(signal.SIGTERM, timeout=OUTAGE_STOP_SECONDS)
            OUTAGE_SHUTDOWN.update(code=code, seconds=seconds)
            ready_worker.start_ready()
            time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
            lag_down = lag.last
        finally:
            services.run("up", "elasticsearch")
        outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)
        drained = drain(lag)
    notes: dict[str, object] = {
        "lag": f"{lag_before}->{lag_down}->{lag.last}",
        "drained_in": f"{drained:.0f}s",
        "retries": int(retries),
        "sigterm_in_outage": f"exit {code} in {seconds:.1f}s" if code is not None else f"killed after {seconds:.0f}s",
    }
    if lag_down <= lag_before:
        raise CaseFailed(f"lag did not grow while Elasticsearch was away: {lag.samples}")
    stop_connector(connector, notes)
    finish(outcome, started, record, notes, limit=300)


@pytest.mark.xfail(
    strict=True,
    reason="known: while Elasticsearch is away the worker waits on SIGTERM for the index batch it holds (Faust "
    "stream_wait_empty); stream_wait_empty=False exits but loses that batch, because Faust's take() acks a batch "
    "when its loop is left. Fix in pipeline/app.py: batch with explicit acks after the bulk request, then "
    "stream_wait_empty=False. Remove this mark when fixed (strict: it fails once the worker exits in time).",
)
def test_worker_exits_in_time_on_sigterm_while_elasticsearch_is_away() -> None:
    """Read from the Elasticsearch outage case above (no extra restart): exit 0 within the bound."""
    if not OUTAGE_SHUTDOWN:
        pytest.skip("runs with test_elasticsearch_stopped_for_30_seconds")
    assert OUTAGE_SHUTDOWN["code"] == 0, f"SIGTERM did not stop the worker in {OUTAGE_STOP_SECONDS}s: killed"
    assert OUTAGE_SHUTDOWN["seconds"] <= OUTAGE_STOP_SECONDS


@pytest.mark.timeout(300)
def test_elasticsearch_answering_429_from_a_full_bulk_queue(
    ready_worker: Worker,
    env: dict[str, str],
    settings: Settings,
    es: Elasticsearch,
    logs: Path,
    tmp_path: Path,
    connectors: list[Process],
    record: list[Outcome],
) -> None:
    """The fault server's bulk queue holds one request and the node has two write threads; stories from twelve
    months make each bulk request write to twelve monthly indices at once, so most of it is refused with 429
    (es_rejected_execution_exception) until the worker's backoff brings it through."""
    started = time.monotonic()
    case = "es-429"
    months = months_back(12)
    stories = [ninjs_story(case, n, published=months[n % 12]) for n in range(1000)]
    path = tmp_path / f"{case}.jsonl"
    path.write_bytes(jsonl(stories))
    expected = Expectation(case, case, {story_id(case, s["uri"]): s["headline"] for s in stories}, sent=len(stories))

    def rejected() -> int:
        nodes = es.nodes.stats(metric="thread_pool")["nodes"].values()
        return sum(node["thread_pool"]["write"]["rejected"] for node in nodes)

    rejected_before = rejected()
    connector = replay(env, logs, path, source=case, rate=None, batch=200)
    connectors.append(connector)
    with LagSampler(settings, [settings.enriched_topic]) as lag:
        connector.start()
        outcome = settle(es, settings, expected, timeout=SETTLE_SECONDS)
        drained = drain(lag)
    refused = rejected() - rejected_before
    notes: dict[str, object] = {
        "es_429": refused,
        "lag": f"peak {lag.peak}->{lag.last}",
        "drained_in": f"{drained:.0f}s",
    }
    if refused == 0:
        raise CaseFailed("Elasticsearch never answered 429: the case tested nothing")
    stop_connector(connector, notes)
    finish(outcome, started, record, notes, limit=240)


def test_the_helpers_agree_with_the_pipeline() -> None:
    """The suite's expected ids are the worker's (pipeline.parse) for a story it accepts."""
    from pipeline.process import process

    story = ninjs_story("check", 1)
    value = jsonl([story]).strip()
    item = RawItem(item_key("check", item_id(value)), value, "check", "application/json", "replay")
    record = process(item, max_bytes=50_000)
    assert record.story_id == story_id("check", story["uri"])
    assert record.headline == story["headline"] and len(record.body) == 3
