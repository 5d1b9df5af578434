"""The push application's answers, served by aiohttp on a local port with a stand-in publisher (these tests are
about the endpoint's decisions; tests/integration/test_connectors_kafka.py sends to the real Kafka): rate limits
that anonymous traffic cannot spend for a good client, clients told apart behind a trusted proxy only, batches
answered story by story, and a Kafka outage answered at once."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from connectors.client_address import parse_networks
from connectors.kafka_health import OK, KafkaHealth, KafkaStatus
from connectors.publisher import PublishError
from connectors.push import RateLimiter, create_app
from pipeline.raw import RawItem

TOKEN = "push-app-token-" + "y" * 20
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}


class StandInPublisher:
    """Takes batches as KafkaPublisher.publish does: returns once stored, or raises PublishError."""

    def __init__(self, fail: bool = False, hold: threading.Event | None = None) -> None:
        self.batches: list[list[RawItem]] = []
        self.fail, self.hold = fail, hold

    def publish(self, items: Sequence[RawItem]) -> None:
        if self.hold is not None:
            self.hold.wait(10)
        if self.fail:
            raise PublishError("Kafka unavailable: stand-in")
        self.batches.append(list(items))

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()


class Checks:
    """A Kafka check that answers `status` and counts its calls."""

    def __init__(self, status: KafkaStatus = OK) -> None:
        self.status, self.calls = status, 0

    def __call__(self) -> KafkaStatus:
        self.calls += 1
        return self.status


Session = Callable[[TestClient], Awaitable[Any]]


def serve(session: Session, publisher: StandInPublisher | None = None, **options: Any) -> Any:
    """Run `session` against the push app; `options` override create_app's arguments."""
    arguments: dict[str, Any] = {
        "token": TOKEN,
        "max_bytes": 10_000,
        "max_story_bytes": 200,
        "limiter": RateLimiter(1000, 1000),
        "anonymous_limiter": RateLimiter(1000, 1000),
        "kafka": KafkaHealth(Checks(), ttl=60),
        "publish_timeout": 5,
        **options,
    }

    async def run() -> Any:
        app = create_app(publisher or StandInPublisher(), **arguments)  # type: ignore[arg-type]
        async with TestClient(TestServer(app)) as client:
            return await session(client)

    return asyncio.run(run())


def story(n: int) -> dict[str, str]:
    return {"uri": f"urn:app:{n}", "headline": f"Story {n}"}


# ---- rate limits -------------------------------------------------------------------------------------------


def test_a_good_token_is_never_locked_out_by_anonymous_requests() -> None:
    publisher = StandInPublisher()

    async def session(client: TestClient) -> tuple[list[int], int]:
        anonymous = [(await client.post("/stories", json=story(0))).status for _ in range(45)]
        with_token = await client.post("/stories", json=story(1), headers=AUTH)
        return anonymous, with_token.status

    anonymous, with_token = serve(
        session, publisher, limiter=RateLimiter(1, 5), anonymous_limiter=RateLimiter(0.001, 3)
    )
    assert anonymous == [401] * 3 + [429] * 42
    assert with_token == 202
    assert len(publisher.batches) == 1


def test_requests_with_the_token_do_not_spend_the_anonymous_budget() -> None:
    async def session(client: TestClient) -> tuple[list[int], int, str]:
        with_token = [(await client.post("/stories", json=story(n), headers=AUTH)).status for n in range(6)]
        anonymous = await client.post("/stories", json=story(9), headers={"Authorization": "Bearer wrong"})
        return with_token, anonymous.status, anonymous.headers.get("Retry-After", "")

    with_token, anonymous, _ = serve(session, limiter=RateLimiter(0.001, 5), anonymous_limiter=RateLimiter(0.001, 1))
    assert with_token == [202] * 5 + [429]
    assert anonymous == 401


def test_clients_behind_a_trusted_proxy_get_their_own_buckets() -> None:
    def forwarded(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": f"198.51.100.7, {address}"}  # the left entry is the client's own claim

    async def session(client: TestClient) -> list[int]:
        statuses = []
        for address in ("203.0.113.1", "203.0.113.1", "203.0.113.2"):
            statuses.append((await client.post("/stories", json=story(0), headers=forwarded(address))).status)
        return statuses

    limits = {"anonymous_limiter": RateLimiter(0.001, 1)}
    # The test client connects from 127.0.0.1: as a trusted proxy, its X-Forwarded-For names the clients.
    assert serve(session, trusted_proxies=parse_networks("127.0.0.1"), **limits) == [401, 429, 401]
    # Untrusted, the header is ignored: whatever it says, every request is the peer's.
    assert serve(session, **limits) == [401, 429, 429]


# ---- batches -----------------------------------------------------------------------------------------------


def test_a_batch_with_bad_stories_stores_the_good_ones_and_names_the_bad_ones() -> None:
    publisher = StandInPublisher()
    batch = [story(0), "<script>", story(2), {"uri": "urn:app:big", "body_text": "x" * 300}]

    async def session(client: TestClient) -> tuple[int, dict[str, Any]]:
        response = await client.post("/stories", json=batch, headers=AUTH)
        return response.status, await response.json()

    status, answer = serve(session, publisher)
    assert status == 207
    assert answer["accepted"] == 2
    assert answer["rejected"] == [
        {"index": 1, "status": 400, "reason": "not_an_object", "detail": "the story is not a JSON object"},
        {"index": 3, "status": 413, "reason": "story_too_large", "detail": "the story is over 200 bytes"},
    ]
    [stored] = publisher.batches
    assert answer["keys"] == [item.key for item in stored]
    assert [json.loads(item.value)["uri"] for item in stored] == ["urn:app:0", "urn:app:2"]
    assert [item.origin.rsplit(" ", 1)[1] for item in stored] == ["item:0", "item:2"]  # positions in the batch
    assert "script" not in json.dumps(answer)


def test_a_batch_of_good_stories_is_answered_202_without_a_rejected_list() -> None:
    async def session(client: TestClient) -> tuple[int, dict[str, Any]]:
        ndjson = b"".join(json.dumps(story(n)).encode() + b"\n" for n in range(3))
        response = await client.post("/stories", data=ndjson, headers={**AUTH, "Content-Type": "application/x-ndjson"})
        return response.status, await response.json()

    status, answer = serve(session)
    assert status == 202
    assert answer["accepted"] == 3 and len(answer["keys"]) == 3
    assert "rejected" not in answer


def test_a_batch_with_no_good_story_is_refused_whole_and_stores_nothing() -> None:
    publisher = StandInPublisher()

    async def session(client: TestClient) -> list[tuple[int, dict[str, Any]]]:
        answers = []
        for lines in (b"{oops\n[1]\n", b'{oops\n{"body_text": "' + b"x" * 300 + b'"}\n'):
            response = await client.post(
                "/stories", data=lines, headers={**AUTH, "Content-Type": "application/x-ndjson"}
            )
            answers.append((response.status, await response.json()))
        return answers

    [(same, first), (mixed, second)] = serve(session, publisher)
    assert (same, first["error"]) == (400, "no_story_accepted")
    assert [(r["index"], r["reason"]) for r in first["rejected"]] == [(0, "not_json"), (1, "not_an_object")]
    assert mixed == 400  # 400 and 413 mixed: 400
    assert [r["status"] for r in second["rejected"]] == [400, 413]
    assert publisher.batches == []


def test_a_request_over_the_story_count_is_refused_413() -> None:
    async def session(client: TestClient) -> tuple[int, dict[str, Any]]:
        response = await client.post("/stories", json=[story(n) for n in range(4)], headers=AUTH)
        return response.status, await response.json()

    assert serve(session, max_stories=3) == (
        413,
        {"error": "too_many_stories", "detail": "a request holds at most 3 stories"},
    )


# ---- Kafka away --------------------------------------------------------------------------------------------


def test_healthz_and_posts_answer_503_at_once_while_kafka_is_away() -> None:
    publisher, checks = StandInPublisher(), Checks(KafkaStatus(False, "unreachable", "no broker"))

    async def session(client: TestClient) -> tuple[int, dict[str, Any], int, dict[str, Any], float]:
        health = await client.get("/healthz")
        started = time.monotonic()
        posted = await client.post("/stories", json=story(0), headers=AUTH)
        took = time.monotonic() - started
        return health.status, await health.json(), posted.status, await posted.json(), took

    health, body, posted, refusal, took = serve(session, publisher, kafka=KafkaHealth(checks, ttl=60))
    assert (health, body) == (
        503,
        {"status": "unavailable", "reason": "unreachable", "detail": "no Kafka broker answered"},
    )
    assert posted == 503 and refusal["error"] == "kafka_unavailable"
    assert took < 1
    assert publisher.batches == []
    assert checks.calls == 1  # the POST reused the check /healthz made


def test_a_publish_that_times_out_answers_503_and_the_next_requests_do_not_wait() -> None:
    hold = threading.Event()
    publisher, checks = StandInPublisher(hold=hold), Checks()

    async def session(client: TestClient) -> list[tuple[int, float]]:
        answers = []
        for path in ("/stories", "/stories", "/healthz"):
            started = time.monotonic()
            if path == "/healthz":
                response = await client.get(path)
            else:
                response = await client.post(path, json=story(0), headers=AUTH)
            answers.append((response.status, time.monotonic() - started))
        hold.set()
        return answers

    [(first, waited), (second, then), (health, _)] = serve(
        session, publisher, kafka=KafkaHealth(checks, ttl=60), publish_timeout=0.5
    )
    assert first == 503 and 0.5 <= waited < 2
    assert second == 503 and then < 0.3  # the failed publish is the latest word on Kafka
    assert health == 503


def test_a_publish_kafka_refuses_answers_503() -> None:
    async def session(client: TestClient) -> tuple[int, str, int]:
        posted = await client.post("/stories", json=story(0), headers=AUTH)
        health = await client.get("/healthz")
        return posted.status, posted.headers["Retry-After"], health.status

    assert serve(session, StandInPublisher(fail=True), kafka=KafkaHealth(Checks(), ttl=5)) == (503, "5", 503)
