from pipeline.indexing import index_name, index_template


def test_monthly_index_follows_publication_time() -> None:
    assert index_name("stories", "2026-11-20T02:40:00+00:00") == "stories-2026.11"


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


def test_only_passing_elasticsearch_errors_are_retried() -> None:
    from elasticsearch import exceptions

    from pipeline.indexing import RetryableBulkError, _transient

    assert _transient(exceptions.ConnectionError("N/A", "refused", None))
    assert _transient(exceptions.TransportError(429, "es_rejected_execution_exception", {}))
    assert _transient(exceptions.TransportError(503, "unavailable", {}))
    assert _transient(RetryableBulkError("status 429 for x"))
    assert not _transient(exceptions.RequestError(400, "mapper_parsing_exception", {}))
    assert not _transient(ValueError("bug"))
