from typing import Any

from pipeline.indexing import bulk_actions, index_name, index_template, language_fields

AT = "2026-11-27T10:00:00.000+00:00"
WIRE = {"agency": "Wire", "publisher": "wire", "connector": "feeds", "url": None}
PARTNER = {"agency": "Wire", "publisher": "daily", "connector": "web", "url": "https://daily.example/a"}


def doc(
    story_id: str, outcome: str, sources: list[dict], *, carries_text: bool, language: str = "en"
) -> dict[str, Any]:
    return {
        "story_id": story_id,
        "headline": f"{story_id} {outcome}",
        "body": ["text"],
        "language": language,
        "published_at": "2026-12-01T08:00:00+00:00",
        "first_seen_at": "2026-11-30T23:00:00+00:00",
        "sources": sources,
        "dedup": {"outcome": outcome, "carries_text": carries_text},
    }


def test_monthly_index_follows_first_seen_time_then_publication_time() -> None:
    assert index_name("stories", {"published_at": "2026-11-20T02:40:00+00:00"}) == "stories-2026.11"
    assert index_name("stories", doc("a", "update", [WIRE], carries_text=True)) == "stories-2026.11"


def test_a_story_with_text_is_indexed_whole_under_its_id() -> None:
    (action,) = bulk_actions("s", [doc("a", "new", [WIRE], carries_text=True)], AT, frozenset())
    assert (action["_op_type"], action["_index"], action["_id"]) == ("index", "s-2026.11", "a")
    assert action["_source"]["indexed_at"] == AT
    assert action["_source"]["headline"] == "a new"


def test_a_story_is_filed_under_the_countries_and_actors_it_is_about() -> None:
    record = doc("a", "new", [WIRE], carries_text=True)
    record["countries"] = [{"code": "KP", "score": 0.86}, {"code": "US", "score": 0.11}, {"code": "KR", "score": 0.4}]
    record["actors"] = [{"id": "kim-jong-un", "score": 0.7}, {"id": "donald-trump", "score": 0.2}]
    (action,) = bulk_actions("s", [record], AT, frozenset())
    assert action["_source"]["about"] == {"countries": ["KP", "KR"], "actors": ["kim-jong-un"]}


def test_a_duplicate_only_sets_the_sources_of_the_canonical_story() -> None:
    (action,) = bulk_actions("s", [doc("a", "duplicate", [WIRE, PARTNER], carries_text=False)], AT, frozenset())
    assert (action["_op_type"], action["_id"]) == ("update", "a")
    assert action["doc"] == {"sources": [WIRE, PARTNER], "indexed_at": AT}


def test_within_a_batch_the_newest_record_of_a_story_decides() -> None:
    batch = [
        doc("a", "new", [WIRE], carries_text=True),
        doc("b", "new", [WIRE], carries_text=True),
        doc("a", "duplicate", [WIRE, PARTNER], carries_text=False),
        doc("b", "duplicate", [WIRE, PARTNER], carries_text=False),
        doc("b", "update", [WIRE, PARTNER], carries_text=True),
    ]
    actions = bulk_actions("s", batch, AT, frozenset())
    assert [(a["_id"], a["_op_type"]) for a in actions] == [("a", "index"), ("b", "index")]
    assert actions[0]["_source"]["headline"] == "a new"
    assert actions[0]["_source"]["sources"] == [WIRE, PARTNER]
    assert actions[1]["_source"]["headline"] == "b update"


def test_the_body_gets_an_analysed_copy_in_the_story_language_when_the_template_has_one() -> None:
    languages = language_fields()
    assert {"fr", "de", "es"} <= languages
    (french,) = bulk_actions("s", [doc("a", "new", [WIRE], carries_text=True, language="fr")], AT, languages)
    assert french["_source"]["body_fr"] == ["text"]
    (other,) = bulk_actions("s", [doc("a", "new", [WIRE], carries_text=True, language="xx")], AT, languages)
    assert not [name for name in other["_source"] if name.startswith("body_")]


def test_template_targets_the_alias_pattern_and_reads_through_the_alias() -> None:
    template = index_template("news", "5s")
    assert template["index_patterns"] == ["news-*"]
    assert template["template"]["aliases"] == {"news": {}}
    assert template["template"]["settings"]["refresh_interval"] == "5s"
    properties = template["template"]["mappings"]["properties"]
    assert properties["story_id"]["type"] == "keyword"
    assert properties["body"]["analyzer"] == "story_english"
    assert properties["published_at"]["type"] == "date"
    assert "_comment" not in template["template"]
    assert properties["countries"]["properties"]["code"]["type"] == "keyword"
    assert properties["actors"]["properties"]["id"]["type"] == "keyword"
    assert properties["body_fr"]["analyzer"] == "french"


def test_only_passing_elasticsearch_errors_are_retried() -> None:
    from elasticsearch import exceptions

    from pipeline.bulk_sink import RetryableBulkError, transient

    assert transient(exceptions.ConnectionError("N/A", "refused", None))
    assert transient(exceptions.TransportError(429, "es_rejected_execution_exception", {}))
    assert transient(exceptions.TransportError(503, "unavailable", {}))
    assert transient(RetryableBulkError("status 429 for x"))
    assert not transient(exceptions.RequestError(400, "mapper_parsing_exception", {}))
    assert not transient(ValueError("bug"))
