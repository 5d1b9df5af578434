"""The `alerts` index: spike alert records for front-ends, one document an alert (`_id` = alert_id).

Like the story sink: the template once, then bulk writes retried with backoff while Elasticsearch is away, so the
alerts topic is committed only once its alerts are searchable. An alert Elasticsearch refuses for good is logged
with the reason; the record stays on `alerts.spikes`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch import exceptions as es_exceptions
from elasticsearch.helpers import async_bulk
from tenacity import AsyncRetrying, retry_if_exception, wait_exponential

from pipeline.indexing import client_options
from pipeline.settings import Settings

TEMPLATE_PATH = Path(__file__).resolve().parent.parent.parent / "config" / "elasticsearch" / "alerts-template.json"

log = logging.getLogger(__name__)


def alerts_template(index: str) -> dict[str, Any]:
    """The template file for this deployment's alerts index name."""
    body = json.loads(TEMPLATE_PATH.read_text())
    body.pop("_comment", None)
    return {"index_patterns": [index], "template": body}


class AlertIndexer:
    def __init__(self, settings: Settings) -> None:
        self.index = settings.alerts_index
        self.client = AsyncElasticsearch(**client_options(settings))
        self._template_put = False

    async def setup(self) -> None:
        async for attempt in _until_available():
            with attempt:
                await self.client.indices.put_index_template(name=self.index, body=alerts_template(self.index))
        self._template_put = True

    async def write(self, alerts: list[dict[str, Any]]) -> int:
        """Index a batch of alert records; how many Elasticsearch took."""
        if not self._template_put:  # the index must not be created before its template exists
            await self.setup()
        actions = [{"_index": self.index, "_id": alert["alert_id"], "_source": alert} for alert in alerts]
        errors: list[Any] = []
        async for attempt in _until_available():
            with attempt:
                _, errors = await async_bulk(self.client, actions, raise_on_error=False, max_retries=5)  # type: ignore[misc]
        for error in errors:
            log.error("alert refused by Elasticsearch: %s", json.dumps(error)[:1000])
        return len(actions) - len(errors)

    async def close(self) -> None:
        await self.client.close()


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, es_exceptions.ConnectionError):
        return True
    return isinstance(exc, es_exceptions.TransportError) and exc.status_code in (429, 502, 503, 504)


def _until_available() -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(_transient), wait=wait_exponential(multiplier=0.5, max=30), reraise=True
    )
