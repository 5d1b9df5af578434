import json
from pathlib import Path

import feedparser
import pytest

from connectors.feeds import REMEMBERED, Feed, FeedState, entry_version, load_feeds, to_item, to_ninjs
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "connectors"


def parse(name: str) -> feedparser.FeedParserDict:
    return feedparser.parse((DATA / name).read_bytes())


def test_rss_entry_becomes_ninjs_with_utc_times() -> None:
    feed = parse("rss.xml")
    doc = to_ninjs(feed.entries[0], feed.feed.get("language"))
    assert doc["uri"] == "sample-wire:2026:rotterdam-strike"
    assert doc["headline"] == "Port strike halts container traffic in Rotterdam"
    assert doc["byline"] == "Anna de Vries"
    assert doc["url"] == "http://127.0.0.1/world/rotterdam-strike"
    assert doc["versioncreated"] == "2026-11-03T07:15:00Z"  # 08:15 +01:00
    assert doc["language"] == "en"
    assert doc["body_html"].startswith("<p>ROTTERDAM (Sample Wire)")  # content:encoded wins over description


def test_rss_entry_without_content_uses_the_summary_and_without_guid_the_link() -> None:
    feed = parse("rss.xml")
    with_summary, without_guid = to_ninjs(feed.entries[1]), to_ninjs(feed.entries[2])
    assert (
        with_summary["body_html"] == "<p>The bank left its main rate at 3.25 percent, as economists had expected.</p>"
    )
    assert without_guid["uri"] == "http://127.0.0.1/world/floods-passes"
    assert "byline" not in without_guid


def test_atom_entry_keeps_first_and_last_version_times_and_its_language() -> None:
    feed = parse("atom.xml")
    doc = to_ninjs(feed.entries[0], feed.feed.get("language"))
    assert doc["uri"] == "urn:example:depeches:2026-11-03:retraites"
    assert doc["firstcreated"] == "2026-11-03T07:00:00Z"
    assert doc["versioncreated"] == "2026-11-03T08:30:00Z"
    assert doc["language"] == "fr"
    assert "Sénat" in doc["body_html"]


def test_items_are_ninjs_json_keyed_by_entry_id() -> None:
    feed = parse("rss.xml")
    config = Feed("world", "http://127.0.0.1/rss", 60, "sample-wire")
    first, again = to_item(feed.entries[0], config, "en"), to_item(feed.entries[0], config, "en")
    assert first.key == again.key
    assert first.key != to_item(feed.entries[1], config, "en").key
    assert first.content_type == "application/json"
    assert json.loads(first.value)["headline"] == "Port strike halts container traffic in Rotterdam"
    assert (first.source, first.connector, first.url) == (
        "sample-wire",
        "feeds",
        "http://127.0.0.1/world/rotterdam-strike",
    )


def test_state_sends_each_entry_version_once_oldest_first() -> None:
    entries = parse("rss.xml").entries
    state = FeedState()
    assert [e["title"] for e in state.unsent(entries)] == [e["title"] for e in reversed(entries)]
    state = state.after(entries, '"v1"', "Tue, 03 Nov 2026 09:00:00 GMT")
    assert state.unsent(entries) == []
    assert state.request_headers() == {"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 03 Nov 2026 09:00:00 GMT"}
    corrected = {**entries[0], "updated": "Tue, 03 Nov 2026 10:00:00 GMT"}
    assert state.unsent([corrected, *entries[1:]]) == [corrected]


def test_state_round_trips_through_json() -> None:
    state = FeedState().after(parse("atom.xml").entries, None, "Tue, 03 Nov 2026 09:00:00 GMT")
    assert FeedState.from_json(json.loads(json.dumps(state.to_json()))) == state
    assert FeedState.from_json(None) == FeedState()


def test_remembered_entries_are_bounded_but_never_forget_the_current_document() -> None:
    old = [{"id": f"old-{n}", "updated": "1"} for n in range(REMEMBERED)]
    state = FeedState().after(old, None, None)
    current = [{"id": f"new-{n}", "updated": "1"} for n in range(REMEMBERED + 5)]
    state = state.after(current, None, None)
    assert len(state.sent) == REMEMBERED + 5
    assert state.unsent(current) == []
    smaller = state.after(current[:10], None, None)
    assert len(smaller.sent) == REMEMBERED
    assert {entry_version(e) for e in current[:10]} <= set(smaller.sent)
    assert smaller.sent[-1] == entry_version(current[0])  # the newest entry is the last remembered


def test_shipped_config_lists_a_local_example_feed() -> None:
    feeds = load_feeds(ROOT / "config" / "feeds.toml")
    assert feeds
    assert all(feed.url.startswith("http://127.0.0.1") for feed in feeds)


def test_config_refuses_repeated_names_and_bad_intervals(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feed]]\nname = "a"\nurl = "http://x/1"\n[[feed]]\nname = "a"\nurl = "http://x/2"\n')
    with pytest.raises(ValueError, match="unique"):
        load_feeds(path)
    path.write_text('[[feed]]\nname = "a"\nurl = "http://x/1"\ninterval_seconds = 0\n')
    with pytest.raises(ValueError, match="positive"):
        load_feeds(path)
    path.write_text('[[feed]]\nname = "a"\nurl = "http://x/1"\n')
    assert load_feeds(path) == [Feed("a", "http://x/1", 300.0, "a")]
