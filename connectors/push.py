"""HTTP push connector: `POST /stories` with one story or a batch; 202 only once Kafka has every item.

Bodies: a ninjs JSON object or a JSON array of them (`application/json`), NDJSON (one object a line),
or one raw story with its own type (text, HTML, NewsML-G2 XML), forwarded byte for byte. Callers
authenticate with `Authorization: Bearer <WIRESTREAM_PUSH_TOKEN>`; each client address has a token
bucket. Errors are small JSON objects that never echo the request. The endpoint keeps no position: a
client that gets anything but 202 sends again (at least once; the keys are stable, so the pipeline
overwrites rather than duplicates).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from connectors import metrics
from connectors.identity import story_id
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
    """Constant-time comparison, so response timing tells nothing about how much of a guess was right."""
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


class RateLimiter:
    """A token bucket per client: `rate` requests a second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    def wait_seconds(self, client: str) -> float:
        """0 when the request may go ahead (and takes a token), else how long until one is free."""
        now = self.clock()
        tokens, at = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            self._forget_idle(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Buckets that have refilled are the same as new ones: drop them so memory stays bounded."""
        if len(self._buckets) > 10_000:
            full = self.burst / self.rate
            self._buckets = {c: (t, at) for c, (t, at) in self._buckets.items() if now - at < full}


class BadRequest(Exception):
    """The body cannot be split into stories; the message is ours, never the input's."""


def split_body(body: bytes, media_type: str, charset: str | None = None) -> list[tuple[bytes, str]]:
    """(item bytes, content type) for each story in a request body; raises BadRequest or LookupError (415).

    A single story keeps its bytes and declared type; stories split out of a batch are UTF-8 JSON.
    """
    declared = f"{media_type}; charset={charset}" if charset else media_type
    if media_type in JSON_TYPES:
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadRequest("the body is not JSON") from exc
        if isinstance(doc, dict):
            return [(body, declared)]
        if isinstance(doc, list) and doc and all(isinstance(story, dict) for story in doc):
            return [(json.dumps(story, ensure_ascii=False).encode(), "application/json") for story in doc]
        raise BadRequest("expected a JSON object or a non-empty array of objects")
    if media_type in NDJSON_TYPES:
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        for line in lines:
            try:
                if not isinstance(json.loads(line), dict):
                    raise BadRequest("every NDJSON line must be a JSON object")
            except (ValueError, RecursionError) as exc:
                raise BadRequest("a line of the NDJSON body is not JSON") from exc
        if not lines:
            raise BadRequest("the body is empty")
        return [(line, "application/json") for line in lines]
    if media_type in RAW_TYPES:
        if not body.strip():
            raise BadRequest("the body is empty")
        return [(body, declared)]
    raise LookupError(media_type)


def error(status: int, code: str, detail: str, **headers: str) -> web.Response:
    metrics.REFUSED.labels(connector=CONNECTOR, reason=code).inc()
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


def create_app(
    publisher: KafkaPublisher, *, token: str, max_bytes: int, max_story_bytes: int, limiter: RateLimiter
) -> web.Application:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-publish")  # one publisher, one thread

    async def stories(request: web.Request) -> web.Response:
        if wait := limiter.wait_seconds(request.remote or "unknown"):
            return error(429, "rate_limited", "too many requests", **{"Retry-After": str(max(1, round(wait)))})
        if not bearer_matches(request.headers.get("Authorization"), token):
            return error(401, "unauthorized", "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
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
            parts = split_body(body, request.content_type, request.charset)
        except BadRequest as exc:
            return error(400, "bad_request", str(exc))
        except LookupError:
            return error(415, "unsupported_media_type", "send JSON, NDJSON, text, HTML or NewsML-G2 XML")
        if any(len(value) > max_story_bytes for value, _ in parts):
            return error(413, "story_too_large", f"a story is over {max_story_bytes} bytes")
        items = [
            RawItem(
                key=item_key(source, story_id(value)),
                value=value,
                source=source,
                content_type=content_type,
                connector=CONNECTOR,
            )
            for value, content_type in parts
        ]
        try:
            await asyncio.get_running_loop().run_in_executor(executor, publisher.publish, items)
        except PublishError:
            log.warning("push: Kafka did not take %d items in time; answered 503", len(items))
            return error(503, "kafka_unavailable", "not stored, send again later", **{"Retry-After": "5"})
        return web.json_response({"accepted": len(items), "keys": [item.key for item in items]}, status=202)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def close(_: web.Application) -> None:
        executor.shutdown(wait=True)
        publisher.close()

    app = web.Application(client_max_size=max_bytes)
    app.router.add_post("/stories", stories)
    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app
