import json

import pytest

from connectors.push import BadRequest, RateLimiter, Refused, Story, TooManyStories, bearer_matches, split_body


def test_only_the_exact_bearer_token_matches() -> None:
    assert bearer_matches("Bearer s3cret-token", "s3cret-token")
    assert bearer_matches("bearer s3cret-token", "s3cret-token")
    assert not bearer_matches("Bearer s3cret-toke", "s3cret-token")
    assert not bearer_matches("Bearer s3cret-token-and-more", "s3cret-token")
    assert not bearer_matches("Basic s3cret-token", "s3cret-token")
    assert not bearer_matches("Bearer ", "s3cret-token")
    assert not bearer_matches(None, "s3cret-token")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.wait_seconds("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait_seconds("a") == pytest.approx(0.5)
    assert limiter.wait_seconds("b") == 0.0  # buckets are per client
    clock.now += 0.5
    assert limiter.wait_seconds("a") == 0.0
    assert limiter.wait_seconds("a") > 0
    clock.now += 60
    assert [limiter.wait_seconds("a") for _ in range(4)].count(0.0) == 3  # refills to the burst, no further


def test_a_rate_limiter_remembers_a_bounded_number_of_clients() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=0.001, burst=1, clock=clock, max_clients=3)
    assert limiter.wait_seconds("a") == 0.0
    assert limiter.wait_seconds("a") > 0  # a's bucket is empty
    for client in ("b", "c", "d"):  # three newer clients push out the least recently seen, a
        assert limiter.wait_seconds(client) == 0.0
    assert limiter.wait_seconds("a") == 0.0  # a starts again with a full bucket
    assert limiter.wait_seconds("c") > 0  # c is still remembered


def test_a_json_array_is_split_into_stories_and_a_single_object_keeps_its_bytes() -> None:
    batch = json.dumps([{"uri": "a", "headline": "é"}, {"uri": "b"}]).encode()
    body = split_body(batch, "application/json", max_story_bytes=1000, max_stories=10)
    assert body.batch and body.refused == []
    assert [json.loads(story.value) for story in body.stories] == [{"uri": "a", "headline": "é"}, {"uri": "b"}]
    assert [story.index for story in body.stories] == [0, 1]
    single = b'{ "uri": "a" }'
    body = split_body(single, "application/json", "utf-8", max_story_bytes=1000, max_stories=10)
    assert not body.batch
    assert body.parts == [Story(0, single, "application/json; charset=utf-8")]


def test_ndjson_lines_become_stories() -> None:
    body = split_body(b'{"uri": "a"}\n\n{"uri": "b"}\n', "application/x-ndjson", max_story_bytes=1000, max_stories=10)
    assert body.batch
    assert body.parts == [Story(0, b'{"uri": "a"}', "application/json"), Story(1, b'{"uri": "b"}', "application/json")]


def test_raw_bodies_keep_their_bytes_and_type() -> None:
    page = b"<html><body><h1>Headline</h1></body></html>"
    body = split_body(page, "text/html", "windows-1252", max_story_bytes=1000, max_stories=10)
    assert body.parts == [Story(0, page, "text/html; charset=windows-1252")]


def test_each_bad_story_of_a_json_array_is_refused_by_index_and_the_others_kept() -> None:
    batch = json.dumps([{"uri": "a"}, 3, {"uri": "big", "body_text": "x" * 200}, {"uri": "c"}, ["<b>"]]).encode()
    body = split_body(batch, "application/json", max_story_bytes=100, max_stories=10)
    assert [json.loads(story.value)["uri"] for story in body.stories] == ["a", "c"]
    assert [story.index for story in body.stories] == [0, 3]
    assert [(r.index, r.status, r.reason) for r in body.refused] == [
        (1, 400, "not_an_object"),
        (2, 413, "story_too_large"),
        (4, 400, "not_an_object"),
    ]
    assert all("<b>" not in r.detail and "big" not in r.detail for r in body.refused)


def test_ndjson_stories_are_indexed_by_non_blank_line_and_refused_one_by_one() -> None:
    lines = b'{"uri": "a"}\n\n{oops <script>\n[1]\n   \n{"uri": "b"}\n'
    body = split_body(lines, "application/x-ndjson", max_story_bytes=1000, max_stories=10)
    assert [story.index for story in body.stories] == [0, 3]
    assert body.refused == [
        Refused(1, 400, "not_json", "the line is not JSON"),
        Refused(2, 400, "not_an_object", "the story is not a JSON object"),
    ]
    assert body.refused[0].to_dict() == {
        "index": 1,
        "status": 400,
        "reason": "not_json",
        "detail": "the line is not JSON",
    }


def test_a_single_story_over_the_limit_is_refused_alone() -> None:
    body = split_body(b"x" * 101, "text/plain", max_story_bytes=100, max_stories=10)
    assert not body.batch and body.stories == []
    assert [(r.index, r.status, r.reason) for r in body.refused] == [(0, 413, "story_too_large")]


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'"a string"', "application/json"),
        (b"[1, [2", "application/json"),
        (b"\n  \n", "application/x-ndjson"),
        (b"  \n", "text/plain"),
    ],
)
def test_bodies_that_cannot_be_split_are_bad_requests(body: bytes, media_type: str) -> None:
    with pytest.raises(BadRequest) as refused:
        split_body(body, media_type, max_story_bytes=1000, max_stories=10)
    assert body.decode() not in str(refused.value) or not body.strip()


def test_a_batch_over_the_story_count_is_refused_whole() -> None:
    for body, media_type in ((b"[{}, 1, {}, {}]", "application/json"), (b"{}\n{}\n{}\n{}\n", "application/x-ndjson")):
        with pytest.raises(TooManyStories, match="at most 3 stories"):
            split_body(body, media_type, max_story_bytes=1000, max_stories=3)
    assert len(split_body(b"[{}, {}, {}]", "application/json", max_story_bytes=1000, max_stories=3).stories) == 3


def test_unknown_media_types_are_refused() -> None:
    with pytest.raises(LookupError):
        split_body(b"\x89PNG", "image/png", max_story_bytes=1000, max_stories=10)
