"""The `alerts` index: spike alert records for front-ends, one document an alert (`_id` = alert_id).

Written through the same bulk sink as stories (pipeline/bulk_sink.py), so the alerts topic is acked only once its
alerts are searchable. An alert Elasticsearch refuses for good is logged with the reason; the record stays on
`alerts.spikes`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pipeline.bulk_sink import BulkSink
from pipeline.config_dir import config_path
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def alerts_template(index: str) -> dict[str, Any]:
    """The template file for this deployment's alerts index name."""
    body = json.loads(config_path("elasticsearch", "alerts-template.json").read_text())
    body.pop("_comment", None)
    return {"index_patterns": [index], "template": body}


class AlertIndexer:
    def __init__(self, settings: Settings) -> None:
        self.index = settings.alerts_index
        self.sink = BulkSink(settings, settings.alerts_index, alerts_template(settings.alerts_index))

    async def setup(self) -> None:
        await self.sink.setup()

    async def write(self, alerts: list[dict[str, Any]]) -> int:
        """Index a batch of alert records; how many Elasticsearch took."""
        actions = [{"_index": self.index, "_id": alert["alert_id"], "_source": alert} for alert in alerts]
        refusals = await self.sink.bulk(actions)
        for refusal in refusals:
            log.error("alert %s refused by Elasticsearch (%s): %s", refusal.doc_id, refusal.status, refusal.reason)
        return len(actions) - len(refusals)

    async def close(self) -> None:
        await self.sink.close()
