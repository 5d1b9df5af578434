"""A field a new version adds to the index template reaches the monthly index made before it, on a real
Elasticsearch: new writes there index it too, without waiting for the next month's index."""

from __future__ import annotations

import asyncio

from elasticsearch import Elasticsearch

from pipeline.indexing import ElasticsearchIndexer, index_template
from pipeline.settings import Settings
from pipeline.spikes.indexing import AlertIndexer


async def _set_up(settings: Settings) -> None:
    for indexer in (ElasticsearchIndexer(settings), AlertIndexer(settings)):  # no alerts index yet: no error either
        await indexer.setup()
        await indexer.close()


def test_a_new_field_of_the_template_reaches_the_indices_made_before(
    es: Elasticsearch, settings: Settings, run_id: str
) -> None:
    # names of its own: no pattern of the session's templates may match them (Elasticsearch refuses overlaps)
    own = settings.model_copy(update={"index_alias": f"{run_id}-older", "alerts_index": f"{run_id}-alerts-older"})
    older = f"{own.index_alias}-2026.01"
    made = index_template(own.index_alias, own.index_refresh_interval)["template"]  # this month's, made before
    del made["mappings"]["properties"]["about"]  # the version before had no `about`
    es.indices.create(index=older, body={"settings": made["settings"], "mappings": made["mappings"]})
    try:
        asyncio.run(_set_up(own))
        properties = es.indices.get_mapping(index=older)[older]["mappings"]["properties"]
        assert properties["about"]["properties"]["countries"]["type"] == "keyword"
        assert properties["story_id"]["type"] == "keyword"
        assert not es.indices.exists(index=own.alerts_index)
    finally:
        es.indices.delete(index=older, ignore=[404])
        for template in (own.index_alias, own.alerts_index):
            es.indices.delete_index_template(name=template, ignore=[404])
