"""The stories index: template, bulk actions with the story id as document id, and the indexer the worker calls.

Modelled on quix-streams' sinks: `setup()` once, `write(batch)` per batch. Redelivery overwrites (same `_id`);
retries are the bulk sink's (pipeline/bulk_sink.py); documents Elasticsearch refuses for good come back as
rejections for the dead-letter topic.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline import metrics
from pipeline.bulk_sink import BulkSink
from pipeline.config_dir import config_path
from pipeline.settings import Settings
from pipeline.tagging.evidence import ABOUT


@dataclass(frozen=True, slots=True)
class IndexRejection:
    story_id: str
    status: int
    reason: str
    doc: dict[str, Any]  # what was sent for it, for the dead-letter topic

    @property
    def code(self) -> str:
        return f"es_{self.status}"


def _template_file() -> dict[str, Any]:
    return json.loads(config_path("elasticsearch", "stories-template.json").read_text())


def index_template(alias: str, refresh_interval: str) -> dict[str, Any]:
    """The template file with this deployment's index pattern and read alias filled in."""
    body = _template_file()
    body.pop("_comment", None)
    body["settings"]["refresh_interval"] = refresh_interval
    return {"index_patterns": [f"{alias}-*"], "template": {**body, "aliases": {alias: {}}}}


def index_name(alias: str, doc: dict[str, Any]) -> str:
    """Monthly indices by the time the story was first seen (publication time before dedup), so every version,
    source and redelivery of a story lands on the same index and id."""
    moment = doc.get("first_seen_at") or doc["published_at"]
    return f"{alias}-{moment[:4]}.{moment[5:7]}"


def language_fields() -> frozenset[str]:
    """Languages with an analysed copy of the body (`body_<language>` fields of the template)."""
    properties = _template_file()["mappings"]["properties"]
    return frozenset(name.removeprefix("body_") for name in properties if name.startswith("body_"))


def about(doc: dict[str, Any]) -> dict[str, list[str]]:
    """The country codes and actor ids the story is about (relevance at least `ABOUT`), as plain keywords: the
    tags are objects, not nested, so a filter on a tag's code and score together may match two different tags."""
    return {
        "countries": [tag["code"] for tag in doc.get("countries") or () if tag.get("score", 0) >= ABOUT],
        "actors": [tag["id"] for tag in doc.get("actors") or () if tag.get("score", 0) >= ABOUT],
    }


def bulk_actions(alias: str, docs: list[dict[str, Any]], indexed_at: str, languages: frozenset[str]) -> list[dict]:
    """Bulk actions for a batch of enriched records, one per story in arrival order of its first record.

    A record that carries the story's text (`dedup.carries_text`) indexes the whole document; any other
    (a duplicate, a copy's redelivery, or a stale one) only sets the story's sources, which are cumulative, so
    the newest record of a story in a batch decides and replaying a batch gives the same documents."""
    actions: dict[str, dict[str, Any]] = {}
    for doc in docs:
        story_id = doc["story_id"]
        held = actions.get(story_id)
        if (doc.get("dedup") or {}).get("carries_text", True):
            source = {**doc, "indexed_at": indexed_at, "about": about(doc)}
            if (language := doc.get("language")) in languages:
                source[f"body_{language}"] = doc["body"]
            action = {"_op_type": "index", "_index": index_name(alias, doc), "_id": story_id, "_source": source}
        elif held is not None and held["_op_type"] == "index":
            held["_source"] = {**held["_source"], "sources": doc["sources"]}
            continue
        else:
            update = {"sources": doc["sources"], "indexed_at": indexed_at}
            action = {"_op_type": "update", "_index": index_name(alias, doc), "_id": story_id, "doc": update}
        actions.pop(story_id, None)
        actions[story_id] = action
    return list(actions.values())


class ElasticsearchIndexer:
    def __init__(self, settings: Settings) -> None:
        self.alias = settings.index_alias
        template = index_template(settings.index_alias, settings.index_refresh_interval)
        self.sink = BulkSink(settings, settings.index_alias, template)
        self.languages = language_fields()

    async def setup(self) -> None:
        await self.sink.setup()

    async def write(self, docs: list[dict[str, Any]]) -> list[IndexRejection]:
        """Index a batch of enriched records; returns what Elasticsearch refused for good."""
        started = time.perf_counter()
        indexed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        actions = bulk_actions(self.alias, docs, indexed_at, self.languages)
        refusals = await self.sink.bulk(actions)
        metrics.BULK_SECONDS.observe(time.perf_counter() - started)
        sent = {action["_id"]: action for action in actions}
        rejections = [IndexRejection(r.doc_id, r.status, r.reason, _sent_doc(sent.get(r.doc_id, {}))) for r in refusals]
        refused = {r.doc_id for r in refusals}
        written = [action["_op_type"] for action in actions if action["_id"] not in refused]
        metrics.STORIES_INDEXED.inc(written.count("index"))
        metrics.SOURCE_UPDATES.inc(written.count("update"))
        return rejections

    async def close(self) -> None:
        await self.sink.close()


def _sent_doc(action: dict[str, Any]) -> dict[str, Any]:
    return action.get("_source") or action.get("doc") or {}
