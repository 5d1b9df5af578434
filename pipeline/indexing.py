"""Elasticsearch sink: template setup, then bulk writes with the story id as document id.

Modelled on quix-streams' sinks: `setup()` once, `write(batch)` per batch. Redelivery overwrites
(same `_id`), transport failures and 429s are retried with backoff until Elasticsearch takes the
batch, and documents it refuses for good come back as rejections for the dead-letter topic.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch import exceptions as es_exceptions
from elasticsearch.helpers import async_bulk
from tenacity import AsyncRetrying, retry_if_exception, wait_exponential

from pipeline import metrics
from pipeline.settings import Settings

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "config" / "elasticsearch" / "stories-template.json"


class RetryableBulkError(Exception):
    """Some documents failed for a reason that goes away on its own (shard busy, node restarting)."""


@dataclass(frozen=True, slots=True)
class IndexRejection:
    story_id: str
    status: int
    reason: str
    doc: dict[str, Any]  # what was sent for it, for the dead-letter topic

    @property
    def code(self) -> str:
        return f"es_{self.status}"


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options shared by the async worker client and the sync CLI client."""
    options: dict[str, Any] = {"hosts": [settings.es_url], "timeout": 30}
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password:
        options["http_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    return options


def sync_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(**client_options(settings))


def index_template(alias: str, refresh_interval: str) -> dict[str, Any]:
    """The template file with this deployment's index pattern and read alias filled in."""
    body = json.loads(TEMPLATE_PATH.read_text())
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
    properties = json.loads(TEMPLATE_PATH.read_text())["mappings"]["properties"]
    return frozenset(name.removeprefix("body_") for name in properties if name.startswith("body_"))


def bulk_actions(alias: str, docs: list[dict[str, Any]], indexed_at: str, languages: frozenset[str]) -> list[dict]:
    """Bulk actions for a batch of enriched records, one per story in arrival order of its first record.

    A record that carries the story's text (`dedup.carries_text`) indexes the whole document; any other
    (a duplicate, or a stale redelivery) only sets the story's sources, which are cumulative, so the newest
    record of a story in a batch decides and replaying a batch gives the same documents."""
    actions: dict[str, dict[str, Any]] = {}
    for doc in docs:
        story_id = doc["story_id"]
        held = actions.get(story_id)
        if (doc.get("dedup") or {}).get("carries_text", True):
            source = {**doc, "indexed_at": indexed_at}
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
        self.refresh_interval = settings.index_refresh_interval
        self.client = AsyncElasticsearch(**client_options(settings))
        self.languages = language_fields()
        self._template_put = False

    async def setup(self) -> None:
        async for attempt in _forever():
            with attempt:
                await self.client.indices.put_index_template(
                    name=self.alias, body=index_template(self.alias, self.refresh_interval)
                )
        self._template_put = True

    async def write(self, docs: list[dict[str, Any]]) -> list[IndexRejection]:
        """Index a batch of enriched records; returns what Elasticsearch refused for good."""
        if not self._template_put:  # a first batch before setup finished would create an index without the
            await self.setup()  # template: no read alias, no mappings
        started = time.perf_counter()
        indexed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        actions = bulk_actions(self.alias, docs, indexed_at, self.languages)
        rejections: list[IndexRejection] = []
        async for attempt in _forever():
            with attempt:
                rejections = await self._bulk(actions)
        metrics.BULK_SECONDS.observe(time.perf_counter() - started)
        refused = {rejection.story_id for rejection in rejections}
        metrics.STORIES_INDEXED.inc(sum(1 for a in actions if a["_op_type"] == "index" and a["_id"] not in refused))
        return rejections

    async def _bulk(self, actions: list[dict[str, Any]]) -> list[IndexRejection]:
        _, errors = await async_bulk(
            self.client,
            actions,
            raise_on_error=False,
            max_retries=5,
            initial_backoff=0.5,
            max_backoff=10,
        )
        sent = {action["_id"]: action for action in actions}
        rejections: list[IndexRejection] = []
        for error in errors:  # type: ignore[union-attr]
            item = next(iter(error.values()))
            status = int(item.get("status", 0))
            if status == 429 or status >= 500:
                raise RetryableBulkError(f"status {status} for {item.get('_id')}")
            action = sent.get(item.get("_id", ""), {})
            doc = action.get("_source") or action.get("doc") or {}
            rejections.append(IndexRejection(item.get("_id", ""), status, json.dumps(item.get("error"))[:1000], doc))
        return rejections

    async def close(self) -> None:
        await self.client.close()


def _transient(exc: BaseException) -> bool:
    """Errors that pass on their own: Elasticsearch unreachable, restarting, or pushing back with 429."""
    if isinstance(exc, (es_exceptions.ConnectionError, RetryableBulkError)):
        return True
    return isinstance(exc, es_exceptions.TransportError) and exc.status_code in (429, 502, 503, 504)


def _forever() -> AsyncRetrying:
    """Retry until Elasticsearch answers: nothing is dropped while it is down, the consumer just lags."""

    def count_retry(_: object) -> None:
        metrics.INDEX_RETRIES.inc()

    return AsyncRetrying(
        retry=retry_if_exception(_transient),
        wait=wait_exponential(multiplier=0.5, max=30),
        before_sleep=count_retry,
        reraise=True,
    )
