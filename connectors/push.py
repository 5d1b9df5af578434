"""HTTP push connector: `POST /stories` with one story or a batch; 202 only once Kafka has every item.

Bodies: a ninjs JSON object or a JSON array of them (`application/json`), NDJSON (one object a line),
or one raw story with its own type (text, HTML, NewsML-G2 XML), forwarded byte for byte. Callers
authenticate with `Authorization: Bearer <WIRESTREAM_PUSH_TOKEN>`. Each client address has a token
bucket for requests with the token and a smaller one for requests without, so anonymous traffic never
uses up a good client's requests. Errors are small JSON objects that never echo the request.

A batch with bad stories in it is answered 207: the good ones are stored, and `rejected` names each bad
one by index (its position among the array's elements or the NDJSON's non-blank lines) with a status and
a reason; resending those as they are will not help. Nothing stored when every story is bad (4xx). The
endpoint keeps no position: a client that gets 429 or 5xx sends again (at least once; the keys are stable,
so the pipeline overwrites rather than duplicates). GET /healthz answers 503 while Kafka is away.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import signal
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from connectors import metrics
from connectors.client_address import Network, client_address
from connectors.identity import story_id
from connectors.kafka_health import OK, KafkaHealth, KafkaStatus
from connectors.publisher import KafkaPublisher, PublishError
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "push"
JSON_TYPES = {"application/json"}
NDJSON_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
RAW_TYPES = {
    "text/plain",
    "text/html",
    "application/xml",
    "text/xml",
    "application/vnd.iptc.g2.newsitem+xml",
    "application/vnd.iptc.g2.packageitem+xml",
}
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def bearer_matches(header: str | None, token: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about how much of a guess was right.

    Digests of equal length are compared, so not even the token's length shows in the timing."""
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(_digest(presented.strip()), _digest(token))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).digest()


class RateLimiter:
    """A token bucket per client: `rate` requests a second on average, bursts up to `burst`.

    Memory stays bounded however many addresses send: past `max_clients` buckets the least recently seen is
    dropped, and its client starts again with a full bucket (it is the most likely to have refilled anyway)."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000
    ) -> None:
        self.rate, self.burst, self.clock, self.max_clients = rate, burst, clock, max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at), least recently seen first

    def wait_seconds(self, client: str) -> float:
        """0 when the request may go ahead (and takes a token), else how long until one is free."""
        now = self.clock()
        tokens, at = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        allowed = tokens >= 1
        self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:
            del self._buckets[next(iter(self._buckets))]
        return 0.0 if allowed else (1 - tokens) / self.rate


class BadRequest(Exception):
    """The body cannot be split into stories; the message is ours, never the input's."""


class TooManyStories(BadRequest):
    """A batch of more stories than a request may hold (413)."""


@dataclass(frozen=True)
class Story:
    """A story of a request, by its position in the batch (0 for a single story)."""

    index: int
    value: bytes
    content_type: str


@dataclass(frozen=True)
class Refused:
    """A story that was not taken, with the status it would get alone and fixed words why (never the story's)."""

    index: int
    status: int
    reason: str
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "status": self.status, "reason": self.reason, "detail": self.detail}


NOT_JSON = (400, "not_json", "the line is not JSON")
NOT_AN_OBJECT = (400, "not_an_object", "the story is not a JSON object")


@dataclass(frozen=True)
class Body:
    """A request body as stories, each taken or refused; `batch` when it was a JSON array or NDJSON."""

    parts: list[Story | Refused]
    batch: bool

    @property
    def stories(self) -> list[Story]:
        return [part for part in self.parts if isinstance(part, Story)]

    @property
    def refused(self) -> list[Refused]:
        return [part for part in self.parts if isinstance(part, Refused)]


def split_body(
    body: bytes, media_type: str, charset: str | None = None, *, max_story_bytes: int, max_stories: int
) -> Body:
    """Each story of a request body, taken or refused on its own; raises BadRequest when the body as a whole
    cannot be read (not JSON, an empty batch, over `max_stories`) and LookupError (415) for a media type we do
    not take.

    A single story keeps its bytes and declared type; stories split out of a batch are UTF-8 JSON.
    """
    declared = f"{media_type}; charset={charset}" if charset else media_type
    if media_type in JSON_TYPES:
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadRequest("the body is not JSON") from exc
        if isinstance(doc, dict):
            return _sized(Body([Story(0, body, declared)], batch=False), max_story_bytes)
        if isinstance(doc, list) and doc:
            _count(len(doc), max_stories)
            parts = [
                Story(index, json.dumps(story, ensure_ascii=False).encode(), "application/json")
                if isinstance(story, dict)
                else Refused(index, *NOT_AN_OBJECT)
                for index, story in enumerate(doc)
            ]
            return _sized(Body(parts, batch=True), max_story_bytes)
        raise BadRequest("expected a JSON object or a non-empty array of objects")
    if media_type in NDJSON_TYPES:
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        if not lines:
            raise BadRequest("the body is empty")
        _count(len(lines), max_stories)
        parts = [_ndjson_story(index, line) for index, line in enumerate(lines)]
        return _sized(Body(parts, batch=True), max_story_bytes)
    if media_type in RAW_TYPES:
        if not body.strip():
            raise BadRequest("the body is empty")
        return _sized(Body([Story(0, body, declared)], batch=False), max_story_bytes)
    raise LookupError(media_type)


def _count(stories: int, max_stories: int) -> None:
    if stories > max_stories:
        raise TooManyStories(f"a request holds at most {max_stories} stories")


def _ndjson_story(index: int, line: bytes) -> Story | Refused:
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return Refused(index, *NOT_JSON)
    return Story(index, line, "application/json") if isinstance(doc, dict) else Refused(index, *NOT_AN_OBJECT)


def _sized(body: Body, max_story_bytes: int) -> Body:
    """The same body with every story over `max_story_bytes` refused (413)."""
    too_large = (413, "story_too_large", f"the story is over {max_story_bytes} bytes")
    parts = [
        Refused(part.index, *too_large) if isinstance(part, Story) and len(part.value) > max_story_bytes else part
        for part in body.parts
    ]
    return Body(parts, body.batch)


def error(status: int, code: str, detail: str, **headers: str) -> web.Response:
    metrics.REFUSED.labels(connector=CONNECTOR, reason=code).inc()
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


def count_refused(refused: Sequence[Refused]) -> None:
    for item in refused:
        metrics.REFUSED.labels(connector=CONNECTOR, reason=item.reason).inc()


def batch_refused(refused: Sequence[Refused]) -> web.Response:
    """Every story of a batch refused: their shared status (400 when they differ), each named in `rejected`."""
    count_refused(refused)
    statuses = {item.status for item in refused}
    return web.json_response(
        {
            "error": "no_story_accepted",
            "detail": "every story of the batch was refused",
            "rejected": [item.to_dict() for item in refused],
        },
        status=statuses.pop() if len(statuses) == 1 else 400,
    )


# Fixed texts for errors aiohttp raises itself (unknown path, wrong method, a request it cannot parse): its own
# bodies quote the offending bytes of the request back.
HTTP_ERRORS = {
    400: ("bad_request", "the request is not valid HTTP"),
    404: ("not_found", "POST /stories or GET /healthz"),
    405: ("method_not_allowed", "POST /stories or GET /healthz"),
    413: ("too_large", "the request is too large"),
    431: ("headers_too_large", "the request headers are too large"),
}
SERVER_ERROR = ("internal_error", "the request could not be handled; send it again")


def fixed_error(status: int) -> web.Response:
    """A JSON error with our own words for a status, never anything of the request's."""
    code, detail = HTTP_ERRORS.get(
        status, SERVER_ERROR if status >= 500 else ("bad_request", "the request was refused")
    )
    return error(status, code, detail)


@web.middleware
async def safe_responses(request: web.Request, handler: Callable) -> web.StreamResponse:
    """aiohttp's own errors (404, 405, ...) as fixed JSON, and no response a browser may sniff or cache."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = fixed_error(exc.status)
        if allow := exc.headers.get("Allow"):
            response.headers["Allow"] = allow
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


class _FixedErrorRequestHandler(RequestHandler):
    """Answers requests aiohttp cannot parse with fixed JSON, and logs only the status and the error's class:
    the parser's message quotes the offending request line or header, which may hold a token."""

    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        if status >= 500:
            log.error("push: error handling a request from %s: %s", request.remote, type(exc).__name__, exc_info=exc)
        else:
            log.info("push: refused a malformed request from %s: %d %s", request.remote, status, type(exc).__name__)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        response = fixed_error(status)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.force_close()
        return response


class _FixedErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _FixedErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class PushRunner(web.AppRunner):
    """An AppRunner whose connections answer unparseable requests with `fixed_error` instead of echoing them.

    aiohttp (3.14) has no supported hook for these: they never reach middlewares or signals, and its open issue
    aio-libs/aiohttp#3287 asks for one. So this reaches into its internals; tests/unit/test_connectors_push_security.py
    fails if an aiohttp upgrade breaks it."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _FixedErrorServer  # same state; only the per-connection handler class differs
        return server


async def serve(app: web.Application, host: str, port: int, *, shutdown_timeout: float = 30.0) -> None:
    """Serve until SIGTERM or SIGINT; then stop accepting, let requests in flight finish (their items reach
    Kafka or get a 503) for up to `shutdown_timeout` seconds, and close the publisher."""
    runner = PushRunner(app, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        await stop.wait()
        log.info("push: stopping; finishing requests in flight")
    finally:
        await runner.cleanup()


def create_app(
    publisher: KafkaPublisher,
    *,
    token: str,
    max_bytes: int,
    max_story_bytes: int,
    limiter: RateLimiter,
    anonymous_limiter: RateLimiter,
    kafka: KafkaHealth,
    publish_timeout: float,
    trusted_proxies: Sequence[Network] = (),
    max_stories: int = 10_000,
) -> web.Application:
    """The push application. `limiter` counts requests with the token, `anonymous_limiter` those without, per
    client address (X-Forwarded-For's when the peer is one of `trusted_proxies`). A POST waits at most
    `publish_timeout` seconds for Kafka, and none when `kafka` already knows it is away."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-publish")  # one publisher, one thread
    kafka_retry = {"Retry-After": str(max(1, round(kafka.ttl)))}

    def too_many(wait: float) -> web.Response:
        return error(429, "rate_limited", "too many requests", **{"Retry-After": str(max(1, round(wait)))})

    async def stories(request: web.Request) -> web.Response:
        # The token first, so that requests without it only ever use up the anonymous buckets.
        client = client_address(request.remote, request.headers.getall("X-Forwarded-For", []), trusted_proxies)
        if not bearer_matches(request.headers.get("Authorization"), token):
            if wait := anonymous_limiter.wait_seconds(client):
                return too_many(wait)
            return error(401, "unauthorized", "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
        if wait := limiter.wait_seconds(client):
            return too_many(wait)
        if request.content_length is not None and request.content_length > max_bytes:
            return error(413, "too_large", f"the body is over {max_bytes} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return error(413, "too_large", f"the body is over {max_bytes} bytes")
        source = request.query.get("source", CONNECTOR)
        if not SOURCE_NAME.fullmatch(source):
            return error(400, "bad_source", "source must be 1-64 letters, digits, dots, dashes or underscores")
        try:
            split = split_body(
                body, request.content_type, request.charset, max_story_bytes=max_story_bytes, max_stories=max_stories
            )
        except TooManyStories as exc:
            return error(413, "too_many_stories", str(exc))
        except BadRequest as exc:
            return error(400, "bad_request", str(exc))
        except LookupError:
            return error(415, "unsupported_media_type", "send JSON, NDJSON, text, HTML or NewsML-G2 XML")
        parts, refused = split.stories, split.refused
        if not parts:
            if split.batch:
                return batch_refused(refused)
            [alone] = refused
            return error(alone.status, alone.reason, alone.detail)
        if not (kafka_now := await kafka.status()).ok:
            return error(503, "kafka_unavailable", f"{kafka_now.detail}: not stored, send again later", **kafka_retry)
        request_id = uuid.uuid4().hex  # in each item's origin header, so a dead letter leads back to this request
        items = [
            RawItem(
                key=item_key(source, story_id(story.value)),
                value=story.value,
                source=source,
                content_type=story.content_type,
                connector=CONNECTOR,
                origin=f"request:{request_id} item:{story.index}",
            )
            for story in parts
        ]
        publish = asyncio.get_running_loop().run_in_executor(executor, publisher.publish, items)
        try:
            # A publish still running past the timeout may yet land: the client's resend then overwrites it.
            await asyncio.wait_for(publish, publish_timeout)
        except (PublishError, TimeoutError) as exc:
            kafka.record(KafkaStatus(False, "publish_failed", repr(exc)))
            log.warning("push: request %s: Kafka did not take %d items in time; answered 503", request_id, len(items))
            retry = {**kafka_retry, "X-Request-Id": request_id}
            return error(503, "kafka_unavailable", "not stored, send again later", **retry)
        kafka.record(OK)
        log.info("push: request %s: %d items from %s accepted", request_id, len(items), source)
        answer: dict[str, object] = {
            "accepted": len(items),
            "keys": [item.key for item in items],
            "request_id": request_id,
        }
        if refused:  # 207: the keys are those of the stories taken, in order; `rejected` names the others
            count_refused(refused)
            answer["rejected"] = [item.to_dict() for item in refused]
        return web.json_response(answer, status=207 if refused else 202, headers={"X-Request-Id": request_id})

    async def healthz(_: web.Request) -> web.Response:
        """200 while Kafka answers; 503 with a reason code while it does not (a readiness probe, not liveness)."""
        now = await kafka.status()
        if now.ok:
            return web.json_response({"status": "ok"})
        body = {"status": "unavailable", "reason": now.reason, "detail": now.detail}
        return web.json_response(body, status=503, headers=kafka_retry)

    async def close(_: web.Application) -> None:
        executor.shutdown(wait=True)
        kafka.close()
        publisher.close()

    app = web.Application(client_max_size=max_bytes, middlewares=[safe_responses])
    app.router.add_post("/stories", stories)
    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app
