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
import hashlib
import hmac
import json
import logging
import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

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
    """Constant-time comparison, so response timing tells nothing about how much of a guess was right.

    Digests of equal length are compared, so not even the token's length shows in the timing."""
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(_digest(presented.strip()), _digest(token))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).digest()


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
    """An AppRunner whose connections answer unparseable requests with `fixed_error` instead of echoing them."""

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

    app = web.Application(client_max_size=max_bytes, middlewares=[safe_responses])
    app.router.add_post("/stories", stories)
    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app
