"""The dedup state on disk (the default) on the real servers: a worker restarted on the same disk finds its
indexes in line with the recovered tables and reuses them; with the indexes lost, it rebuilds them from the
tables. Either way a partner's copy of a story indexed before the restart is filed under that story."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from elasticsearch import Elasticsearch

from tests.integration.conftest import distinct_stories, running_worker, wait_for
from tests.integration.test_dedup_pipeline import run_connector

STORIES = 12


def _sources_of_every_doc(es: Elasticsearch, alias: str) -> list[int]:
    if not es.indices.exists_alias(name=alias):
        return []
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"match_all": {}}, "size": 100})["hits"]["hits"]
    return sorted(len(hit["_source"]["sources"]) for hit in hits)


def test_the_dedup_state_on_disk_survives_a_restart_and_is_rebuilt_when_lost(
    own_app: Callable[..., dict[str, str]], es: Elasticsearch, tmp_path: Path
) -> None:
    data = tmp_path / "faust"
    own = own_app("ds", WIRESTREAM_WORKER_DATA_DIR=str(data), WIRESTREAM_DEDUP_EVICT_SECONDS="3600")
    alias = own["WIRESTREAM_INDEX_ALIAS"]
    feed = tmp_path / "stories.jsonl"
    stories = distinct_stories(STORIES, seed=7, prefix="ds")
    feed.write_bytes(b"".join(story + b"\n" for story in stories))
    copies = [tmp_path / f"copy-{number}.jsonl" for number in (1, 2)]  # replay remembers each file it sent
    for copy in copies:
        copy.write_bytes(stories[0] + b"\n")
    log = tmp_path / "worker.log"

    with running_worker(own, log):
        run_connector(own, "replay", str(feed), "--source", "wire")
        wait_for(lambda: _sources_of_every_doc(es, alias) == [1] * STORIES, timeout=120, what="every story", log=log)

    with running_worker(own, log):  # the same disk: the indexes are reused, not rebuilt
        wait_for(
            lambda: f"dedup indexes on disk match the {STORIES} stories recovered" in log.read_text(),
            timeout=60,
            what="the indexes reused",
            log=log,
        )
        run_connector(own, "replay", str(copies[0]), "--source", "partner")
        expected = [1] * (STORIES - 1) + [2]
        wait_for(lambda: _sources_of_every_doc(es, alias) == expected, timeout=60, what="the copy filed", log=log)

    shutil.rmtree(data / f"{own['WIRESTREAM_APP_ID']}-data" / "dedup-index")
    with running_worker(own, log):  # the indexes lost: rebuilt from the recovered tables
        wait_for(
            lambda: f"dedup indexes rebuilt: {STORIES} stories" in log.read_text(),
            timeout=60,
            what="the indexes rebuilt",
            log=log,
        )
        run_connector(own, "replay", str(copies[1]), "--source", "syndicator")
        expected = [1] * (STORIES - 1) + [3]
        wait_for(lambda: _sources_of_every_doc(es, alias) == expected, timeout=60, what="the second copy", log=log)
