"""The Elasticsearch bulk sink under the story and alert indexers: one client, the index template put before the
first write, and bulk requests retried with backoff for as long as Elasticsearch is away or pushing back (429).

Nothing is dropped while Elasticsearch is down: `bulk()` simply does not return, so the worker does not ack the
batch and its consumer lags. A worker stopped meanwhile is cancelled inside the retry and hands the batch back.
The retries are counted (wirestream_index_retries_total) and the outage logged in a few lines (pipeline/outage.py).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch import exceptions as es_exceptions
from elasticsearch.helpers import async_bulk
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from pipeline import metrics
from pipeline.outage import Line, OutageLog
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class RetryableBulkError(Exception):
    """Some documents failed for a reason that goes away on its own (shard busy, node restarting)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A document Elasticsearch refused for good (mapping conflict, bad value): retrying would not help."""

    doc_id: str
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


def es_location(settings: Settings) -> str:
    """The Elasticsearch URL without any user and password in it, for log lines and error messages."""
    return re.sub(r"//[^/@]*@", "//", settings.es_url)


def describe(exc: BaseException | None) -> str:
    """Why Elasticsearch did not take a request, in one line and without a traceback."""
    if isinstance(exc, es_exceptions.ConnectionTimeout):
        return "not answering (request timed out)"
    if isinstance(exc, es_exceptions.ConnectionError):
        # the sync client's message starts with the repr of a urllib3 connection object: noise
        return f"unreachable ({re.sub(r'^<[^>]* object at 0x[0-9a-f]+>: ', '', str(exc.error))})"
    if isinstance(exc, es_exceptions.TransportError):
        error = exc.info.get("error") if isinstance(exc.info, dict) else None
        reason = f": {error['reason']}" if isinstance(error, dict) and error.get("reason") else ""
        return f"refusing requests (HTTP {exc.status_code} {exc.error}{reason})"
    if isinstance(exc, RetryableBulkError):
        return f"refusing documents ({exc})"
    return f"failing ({type(exc).__name__}: {exc})"


class BulkSink:
    """`setup()` once, then `bulk(actions)` per batch (quix-streams' sink shape)."""

    def __init__(self, settings: Settings, template_name: str, template: dict[str, Any]) -> None:
        self.client = AsyncElasticsearch(**client_options(settings))
        self.template_name = template_name
        self.template = template
        self._template_put = False
        self.outage = OutageLog(f"Elasticsearch {es_location(settings)} (index {template_name})")

    async def setup(self) -> None:
        async for attempt in self._until_available():
            with attempt:
                await self.client.indices.put_index_template(name=self.template_name, body=self.template)
                await self._map_existing_indices()
        _log(self.outage.succeeded())
        self._template_put = True

    async def _map_existing_indices(self) -> None:
        """The template's mappings onto the indices it made before (this month's, when a version adds a field), so
        new writes there index the new fields too. Best effort: an index whose mapping conflicts keeps its own."""
        mappings = self.template["template"].get("mappings")
        if not mappings:
            return
        patterns = ",".join(self.template["index_patterns"])
        try:
            await self.client.indices.put_mapping(
                index=patterns, body=mappings, allow_no_indices=True, ignore_unavailable=True
            )
        except (es_exceptions.RequestError, es_exceptions.NotFoundError) as exc:
            log.warning("%s: existing indices keep their mappings (%s)", self.template_name, describe(exc))

    async def bulk(self, actions: list[dict[str, Any]]) -> list[Refusal]:
        """Send the actions until Elasticsearch has taken or refused each; returns the refusals."""
        if not self._template_put:  # a first batch before setup finished would create an index without the
            await self.setup()  # template: no read alias, no mappings
        refusals: list[Refusal] = []
        async for attempt in self._until_available():
            with attempt:
                refusals = await self._bulk_once(actions)
        _log(self.outage.succeeded())
        return refusals

    async def _bulk_once(self, actions: list[dict[str, Any]]) -> list[Refusal]:
        _, errors = await async_bulk(
            self.client, actions, raise_on_error=False, max_retries=5, initial_backoff=0.5, max_backoff=10
        )
        refusals: list[Refusal] = []
        for error in errors:  # type: ignore[union-attr]
            item = next(iter(error.values()))
            status = int(item.get("status", 0))
            if status == 429 or status >= 500:
                kind = (item.get("error") or {}).get("type", "no reason given")
                raise RetryableBulkError(f"status {status} ({kind}) for {item.get('_id')}")
            refusals.append(Refusal(item.get("_id", ""), status, json.dumps(item.get("error"))[:1000]))
        return refusals

    async def close(self) -> None:
        await self.client.close()

    def _until_available(self) -> AsyncRetrying:
        def before_retry(state: RetryCallState) -> None:
            metrics.INDEX_RETRIES.inc()
            _log(self.outage.failed(describe(state.outcome.exception() if state.outcome else None)))

        return AsyncRetrying(
            retry=retry_if_exception(transient),
            wait=wait_exponential(multiplier=0.5, max=30),
            before_sleep=before_retry,
            reraise=True,
        )


def transient(exc: BaseException) -> bool:
    """Errors that pass on their own: Elasticsearch unreachable, restarting, or pushing back with 429."""
    if isinstance(exc, (es_exceptions.ConnectionError, RetryableBulkError)):
        return True
    return isinstance(exc, es_exceptions.TransportError) and exc.status_code in (429, 502, 503, 504)


def _log(line: Line | None) -> None:
    if line is not None:
        log.log(*line)
