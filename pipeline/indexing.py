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


def index_name(alias: str, published_at: str) -> str:
    """Monthly indices by publication time, so a redelivered story lands on the same index and id."""
    return f"{alias}-{published_at[:4]}.{published_at[5:7]}"


class ElasticsearchIndexer:
    def __init__(self, settings: Settings) -> None:
        self.alias = settings.index_alias
        self.refresh_interval = settings.index_refresh_interval
        self.client = AsyncElasticsearch(**client_options(settings))

    async def setup(self) -> None:
        async for attempt in _forever():
            with attempt:
                await self.client.indices.put_index_template(
                    name=self.alias, body=index_template(self.alias, self.refresh_interval)
                )

    async def write(self, docs: list[dict[str, Any]]) -> list[IndexRejection]:
        """Index a batch; returns the documents Elasticsearch refused for good."""
        started = time.perf_counter()
        indexed_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        actions = [
            {
                "_op_type": "index",
                "_index": index_name(self.alias, doc["published_at"]),
                "_id": doc["story_id"],
                "_source": {**doc, "indexed_at": indexed_at},
            }
            for doc in docs
        ]
        rejections: list[IndexRejection] = []
        async for attempt in _forever():
            with attempt:
                rejections = await self._bulk(actions)
        metrics.BULK_SECONDS.observe(time.perf_counter() - started)
        metrics.STORIES_INDEXED.inc(len(docs) - len(rejections))
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
        rejections: list[IndexRejection] = []
        for error in errors:  # type: ignore[union-attr]
            item = next(iter(error.values()))
            status = int(item.get("status", 0))
            if status == 429 or status >= 500:
                raise RetryableBulkError(f"status {status} for {item.get('_id')}")
            rejections.append(IndexRejection(item.get("_id", ""), status, json.dumps(item.get("error"))[:1000]))
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
