"""Dedup end to end on the real servers: variants of one story through two connectors and a forced redelivery
make one document listing every source; a worker killed with SIGKILL loses and duplicates nothing."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipeline.parse import parse
from pipeline.raw import RawItem
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.integration.conftest import (
    TEST_WORKER_PORT,
    distinct_stories,
    start_worker,
    stop,
    wait_for,
    wirestream,
)
from tests.metrics_page import metric, scrape
from tests.unit.test_dedup_evaluation import STORIES, agency_item, partner_item, reworded, trimmed

QUAKE = next(story for story in STORIES if story["id"] == "quake-casualties")
RESCUE = next(story for story in STORIES if story["id"] == "quake-rescue")  # same event, another story
UPDATED = [*QUAKE["body"], QUAKE["update"]]


def run_connector(env: dict[str, str], *args: str) -> None:
    subprocess.run(wirestream(*args, "--metrics-port", "0"), env=env, cwd=ROOT, check=True, timeout=120)


def watch_once(env: dict[str, str], folder: Path, source: str) -> None:
    """Run the drop-folder connector until every file in `folder` was published and moved to done/."""
    files = sorted(path.name for path in folder.iterdir() if path.is_file())
    watcher = subprocess.Popen(
        wirestream("watch", str(folder), "--source", source, "--poll-seconds", "0.2", "--metrics-port", "0"),
        env=env,
        cwd=ROOT,
    )
    try:
        done = folder / "done"
        wait_for(lambda: done.is_dir() and sorted(p.name for p in done.iterdir()) == files, timeout=60, what="done/")
    finally:
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=30) == 0


def wire_docs(es: Elasticsearch, alias: str) -> dict[str, dict]:
    """The documents first carried by the agency's own feed, by headline (ids are the worker's business)."""
    if not es.indices.exists_alias(name=alias):
        return {}
    es.indices.refresh(index=alias)
    query = {"query": {"term": {"source.publisher": "meridian"}}, "size": 100}
    return {hit["_source"]["headline"]: hit["_source"] for hit in es.search(index=alias, body=query)["hits"]["hits"]}


def count_where(es: Elasticsearch, alias: str, field: str, values: list[str]) -> int:
    es.indices.refresh(index=alias)
    return es.count(index=alias, body={"query": {"terms": {field: values}}})["count"]


def test_five_variants_two_connectors_and_a_redelivery_make_one_document_with_every_source(
    worker: subprocess.Popen, env: dict[str, str], es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    wire = [
        agency_item(QUAKE, body=QUAKE["body"], headline=QUAKE["headline"]),
        agency_item(QUAKE, body=UPDATED, headline=QUAKE["update_headline"], revision="-u1", minutes=60),
        agency_item(RESCUE, body=RESCUE["body"], headline=RESCUE["headline"], minutes=30),
    ]
    feed = tmp_path / "meridian.jsonl"
    feed.write_bytes(b"".join(item.value + b"\n" for item in wire))
    pages = {
        "harbour-gazette": [
            partner_item(
                QUAKE, body=QUAKE["body"], headline=QUAKE["headline"], site="Harbour Gazette", kind="a", minutes=20
            )
        ],
        "valley-times": [
            partner_item(
                QUAKE,
                body=trimmed(reworded(UPDATED)),
                headline="Quake toll rises",
                site="Valley Times",
                kind="b",
                minutes=90,
            ),
            partner_item(
                QUAKE, body=UPDATED, headline=QUAKE["update_headline"], site="Valley Times", kind="c", minutes=95
            ),
        ],
    }

    # 1-2: the agency's story and its UPDATE 1 (with another story on the same event) through the replay connector
    run_connector(env, "replay", str(feed), "--source", "meridian", "--instance", f"{tmp_path.name}-first")
    headlines = sorted([QUAKE["update_headline"], RESCUE["headline"]])
    try:
        wait_for(lambda: sorted(wire_docs(es, settings.index_alias)) == headlines, timeout=180, what="wire stories")
    except pytest.fail.Exception:
        everything = es.search(index=settings.index_alias, body={"size": 50}, ignore=[404]).get("hits", {})
        found = [(h["_id"], h["_source"]["headline"], h["_source"].get("dedup")) for h in everything.get("hits", [])]
        pytest.fail(f"the index holds {found} (outcomes {_outcomes(env)})", pytrace=False)
    # 3-5: three partner pages through the drop-folder connector, from two publishers
    for publisher, items in pages.items():
        folder = tmp_path / publisher
        folder.mkdir()
        for number, item in enumerate(items):
            (folder / f"{number}.html").write_bytes(item.value)
        watch_once(env, folder, publisher)
    # a forced redelivery: the same file replayed from the start under a fresh position
    run_connector(env, "replay", str(feed), "--source", "meridian", "--instance", f"{tmp_path.name}-again")

    seen: list[dict] = [{}]

    def every_source() -> dict | None:
        seen[0] = wire_docs(es, settings.index_alias).get(QUAKE["update_headline"]) or {}
        publishers = sorted({source["publisher"] for source in seen[0].get("sources", [])})
        wanted = publishers == ["harbour-gazette", "meridian", "valley-times"] and len(seen[0]["sources"]) == 4
        return seen[0] if wanted else None

    try:
        doc = wait_for(every_source, timeout=90, what="the canonical story to list every source")
    except pytest.fail.Exception:
        pytest.fail(f"the canonical story: {seen[0]} (outcomes {_outcomes(env)})", pytrace=False)
    redeliveries = wait_for(lambda: _outcomes(env).get("redelivery", 0) >= 3, timeout=30, what="redelivery count")
    assert redeliveries
    # the original and its update reach the worker through different partitions, in either order: the newest text
    # wins either way (version 2 when the original came first, 1 when the update did and the original was older)
    assert doc["version"] in (1, 2)
    assert doc["headline"] == QUAKE["update_headline"]
    assert doc["body"][-1] == QUAKE["update"]
    assert [(s["publisher"], s["connector"]) for s in doc["sources"]] == [
        ("meridian", "replay"),
        ("harbour-gazette", "watch"),
        ("valley-times", "watch"),
        ("valley-times", "watch"),
    ]
    assert len({source["url"] for source in doc["sources"][1:]}) == 3  # each partner page is a source once
    # one document for the story, one for the other story about the same event, nothing else from these sources
    by_publisher = count_where(
        es, settings.index_alias, "sources.publisher", ["meridian", "harbour-gazette", "valley-times"]
    )
    assert by_publisher == 2
    assert sorted(wire_docs(es, settings.index_alias)) == headlines
    outcomes = _outcomes(env)
    # the three partner pages are duplicates; the agency's two versions are an update, or (update first) the
    # original is a duplicate of its newer text
    assert outcomes["duplicate"] >= (3 if doc["version"] == 2 else 4), outcomes
    assert outcomes.get("update", 0) >= (1 if doc["version"] == 2 else 0), outcomes
    # the partner pages came after the wire story was indexed: sources-only writes, counted as such
    page = scrape(f"http://127.0.0.1:{env['WIRESTREAM_WORKER_WEB_PORT']}/metrics")
    assert metric(page, "wirestream_index_source_updates_total") >= 1


def _outcomes(env: dict[str, str]) -> dict[str, float]:
    """The worker's dedup outcome counters, from its /metrics endpoint."""
    outcomes = {}
    for line in scrape(f"http://127.0.0.1:{env['WIRESTREAM_WORKER_WEB_PORT']}/metrics").splitlines():
        if line.startswith("wirestream_dedup_outcomes_total{"):
            outcome = line.split('outcome="')[1].split('"')[0]
            outcomes[outcome] = float(line.rsplit(" ", 1)[1])
    return outcomes


def test_a_worker_killed_mid_stream_loses_and_duplicates_no_story(
    env: dict[str, str], es: Elasticsearch, run_id: str, tmp_path: Path
) -> None:
    """SIGKILL the worker while stories stream in, restart it: every story is indexed once (counted by id)."""
    prefix = f"{run_id}k"
    own = {
        **env,
        "WIRESTREAM_APP_ID": f"wirestream-{prefix}",
        "WIRESTREAM_RAW_TOPIC": f"{prefix}.stories.raw",
        "WIRESTREAM_PARSED_TOPIC": f"{prefix}.stories.parsed",
        "WIRESTREAM_ENRICHED_TOPIC": f"{prefix}.stories.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"{prefix}.stories.dlq",
        "WIRESTREAM_INDEX_ALIAS": f"{prefix}-stories",
        "WIRESTREAM_WORKER_WEB_PORT": str(TEST_WORKER_PORT + 100),
    }
    stories = distinct_stories(600, seed=11, prefix=prefix)
    expected = {
        parse(RawItem("", story, "killtest", "application/json", "replay"), max_bytes=10**6).story_id
        for story in stories
    }
    feed = tmp_path / "stories.jsonl"
    feed.write_bytes(b"".join(story + b"\n" for story in stories))
    alias = own["WIRESTREAM_INDEX_ALIAS"]
    subprocess.run(wirestream("topics"), env=own, cwd=ROOT, check=True, capture_output=True)
    log = tmp_path / "worker.log"
    worker = start_worker(own, log)
    connector = subprocess.Popen(
        wirestream("replay", str(feed), "--source", "killtest", "--rate", "60", "--metrics-port", "0"),
        env=own,
        cwd=ROOT,
    )
    try:
        wait_for(lambda: _indexed(es, alias) >= 100, timeout=120, what="a first part indexed", log=log)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_at = _indexed(es, alias)
        time.sleep(2)
        worker = start_worker(own, log)
        assert connector.wait(timeout=120) == 0
        wait_for(lambda: _indexed(es, alias) >= len(stories), timeout=180, what="every story indexed", log=log)
        time.sleep(3)  # anything redelivered after the restart has had time to be indexed again
        ids = _ids(es, alias)
        print(f"SIGKILL: sent={len(stories)} indexed_before_kill={killed_at} indexed={len(ids)}")
        assert killed_at < len(stories)
        assert len(ids) == len(set(ids)) == len(stories)
        assert set(ids) == expected
    finally:
        connector.kill()
        stop(worker)
        for index in es.indices.get(index=f"{alias}-*", ignore=[404]):
            es.indices.delete(index=index)
        es.indices.delete_index_template(name=alias, ignore=[404])


def _indexed(es: Elasticsearch, alias: str) -> int:
    es.indices.refresh(index=alias, ignore=[404])
    return es.count(index=alias, ignore=[404]).get("count", 0)


def _ids(es: Elasticsearch, alias: str) -> list[str]:
    es.indices.refresh(index=alias)
    result = es.search(index=alias, body={"query": {"match_all": {}}, "size": 10_000, "_source": False})
    return [hit["_id"] for hit in result["hits"]["hits"]]
