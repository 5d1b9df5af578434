"""What `wirestream search` finds on a real Elasticsearch: words with or without their accents, words in the
inflections of the story's language, and only stories about the countries and actors asked for."""

from __future__ import annotations

import asyncio
import json

import pytest
from elasticsearch import Elasticsearch

from pipeline.cli import main
from pipeline.indexing import ElasticsearchIndexer
from pipeline.process import process
from pipeline.raw import RawItem
from pipeline.settings import Settings, get_settings
from pipeline.story_search import story_query

STORIES = {
    "hu": "Orbán in Brüssel\n\nBRÜSSEL (dpa) - Der ungarische Ministerpräsident Viktor Orbán hat am Montag die "
    "Regierungen der anderen Mitgliedstaaten kritisiert. Ungarn werde sich nicht beugen, sagte er in Brüssel.",
    "au": "Floods in Sydney\n\nSYDNEY (Reuters) - The floods hit the city and the suburbs on Monday, and the "
    "state's emergency service said the rain would go on into the night. Turkish President Tayyip Erdogan sent "
    "his condolences.",
    "mz": "Cheias em Moçambique\n\nMAPUTO (Lusa) - As cheias no centro de Moçambique deixaram milhares de pessoas "
    "desalojadas, disse o governo moçambicano nesta segunda-feira, que pediu ajuda internacional.",
}


async def _index(settings: Settings, docs: list[dict]) -> None:
    indexer = ElasticsearchIndexer(settings)
    await indexer.setup()
    try:
        assert not await indexer.write(docs)
    finally:
        await indexer.close()


@pytest.fixture
def searched(es: Elasticsearch, settings: Settings, run_id: str, monkeypatch: pytest.MonkeyPatch):
    own = settings.model_copy(update={"index_alias": f"{run_id}-search"})  # not the session's: other tests count
    docs = []
    for key, text in STORIES.items():
        item = RawItem(key=key, value=text.encode(), source="desk", content_type="text/plain", connector="test")
        docs.append(json.loads(json.dumps(process(item, max_bytes=100_000).to_dict())))
    asyncio.run(_index(own, docs))
    es.indices.refresh(index=f"{own.index_alias}-*")
    monkeypatch.setenv("WIRESTREAM_INDEX_ALIAS", own.index_alias)
    get_settings.cache_clear()  # the command reads its settings once a process
    try:
        yield own, {doc["headline"]: doc for doc in docs}
    finally:
        get_settings.cache_clear()
        indices = es.indices.get(index=f"{own.index_alias}-*", ignore=[404])
        if indices and "error" not in indices:
            es.indices.delete(index=",".join(indices))
        es.indices.delete_index_template(name=own.index_alias, ignore=[404])


def _headlines(es: Elasticsearch, alias: str, query: dict) -> set[str]:
    hits = es.search(index=alias, body={"query": query, "size": 10})["hits"]["hits"]
    return {hit["_source"]["headline"] for hit in hits}


def test_words_match_without_accents_and_in_their_inflections(es: Elasticsearch, searched) -> None:
    own, _ = searched
    assert _headlines(es, own.index_alias, story_query("Orban")) == {"Orbán in Brüssel"}
    assert _headlines(es, own.index_alias, story_query("Mocambique")) == {"Cheias em Moçambique"}
    assert _headlines(es, own.index_alias, story_query("Regierung")) == {"Orbán in Brüssel"}  # German stemming
    assert _headlines(es, own.index_alias, story_query("the and")) == set()  # stop words alone find nothing
    assert _headlines(es, own.index_alias, story_query("the floods")) == {"Floods in Sydney"}
    assert _headlines(es, own.index_alias, story_query("Erdoğan")) == {"Floods in Sydney"}  # accents either way


def test_a_search_keeps_to_the_countries_and_actors_asked_for(es: Elasticsearch, searched) -> None:
    own, docs = searched
    orban = docs["Orbán in Brüssel"]
    either = {"Orbán in Brüssel", "Cheias em Moçambique"}
    assert _headlines(es, own.index_alias, story_query("Montag segunda-feira")) == either  # either word
    assert _headlines(es, own.index_alias, story_query("Montag segunda-feira", countries=["mz"])) == {
        "Cheias em Moçambique"
    }
    actor = next(tag["id"] for tag in orban["actors"] if tag["name"] == "Viktor Orbán")
    assert _headlines(es, own.index_alias, story_query("Montag segunda-feira", actors=[actor])) == {"Orbán in Brüssel"}


def test_the_command_prints_what_a_story_is_about(searched, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "Orban", "--actor", "viktor-orban"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"query": "Orban", "total": 1}
    assert lines[1]["headline"] == "Orbán in Brüssel" and "viktor-orban" in lines[1]["about"]["actors"]
    assert main(["search", "Orban", "--country", "MZ"]) == 1  # nothing found: exit 1
