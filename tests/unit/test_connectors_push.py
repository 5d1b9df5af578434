import json

import pytest

from connectors.push import BadRequest, RateLimiter, bearer_matches, split_body


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


def test_a_json_array_is_split_into_stories_and_a_single_object_keeps_its_bytes() -> None:
    batch = json.dumps([{"uri": "a", "headline": "é"}, {"uri": "b"}]).encode()
    parts = split_body(batch, "application/json")
    assert [json.loads(value) for value, _ in parts] == [{"uri": "a", "headline": "é"}, {"uri": "b"}]
    single = b'{ "uri": "a" }'
    assert split_body(single, "application/json", "utf-8") == [(single, "application/json; charset=utf-8")]


def test_ndjson_lines_become_stories() -> None:
    assert split_body(b'{"uri": "a"}\n\n{"uri": "b"}\n', "application/x-ndjson") == [
        (b'{"uri": "a"}', "application/json"),
        (b'{"uri": "b"}', "application/json"),
    ]


def test_raw_bodies_keep_their_bytes_and_type() -> None:
    page = b"<html><body><h1>Headline</h1></body></html>"
    assert split_body(page, "text/html", "windows-1252") == [(page, "text/html; charset=windows-1252")]


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'[{"uri": "a"}, 3]', "application/json"),
        (b'"a string"', "application/json"),
        (b'{"uri": "a"}\n[1]', "application/x-ndjson"),
        (b'{"uri": "a"}\n{oops', "application/x-ndjson"),
        (b"  \n", "text/plain"),
    ],
)
def test_bodies_that_cannot_be_split_are_bad_requests(body: bytes, media_type: str) -> None:
    with pytest.raises(BadRequest) as refused:
        split_body(body, media_type)
    assert body.decode() not in str(refused.value) or not body.strip()


def test_unknown_media_types_are_refused() -> None:
    with pytest.raises(LookupError):
        split_body(b"\x89PNG", "image/png")
