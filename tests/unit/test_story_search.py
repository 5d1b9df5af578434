"""The search query's shape: which readings of a story a search's words are matched against."""

from __future__ import annotations

from pipeline.story_search import ANALYSED_FIELDS, FOLDED_FIELDS, story_query


def _readings(query: dict) -> list[dict]:
    return [reading["multi_match"] for reading in query["bool"]["must"][0]["dis_max"]["queries"]]


def test_stop_words_are_left_out_of_the_folded_reading_only() -> None:
    analysed, folded = _readings(story_query("Putin and the Kremlin"))
    assert analysed == {"query": "Putin and the Kremlin", "fields": list(ANALYSED_FIELDS), "type": "best_fields"}
    assert folded == {"query": "Putin Kremlin", "fields": list(FOLDED_FIELDS), "type": "best_fields"}


def test_stop_words_alone_are_matched_by_the_analysed_fields_only() -> None:
    (analysed,) = _readings(story_query("The and"))
    assert analysed["fields"] == list(ANALYSED_FIELDS)


def test_filters_keep_stories_about_each_country_and_actor() -> None:
    query = story_query("floods", countries=["au", "NZ"], actors=["viktor-orban"])
    assert query["bool"]["filter"] == [
        {"term": {"about.countries": "AU"}},
        {"term": {"about.countries": "NZ"}},
        {"term": {"about.actors": "viktor-orban"}},
    ]
