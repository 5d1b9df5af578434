"""The push endpoint against hostile requests: fixed JSON errors that never quote the request, constant-time
token checks, and no token in any log line. A real aiohttp server on a local port; no request reaches Kafka."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket

import pytest
from aiohttp import web

from connectors.kafka_health import OK, KafkaHealth
from connectors.publisher import KafkaPublisher
from connectors.push import PushRunner, RateLimiter, bearer_matches, create_app
from pipeline.settings import Settings

TOKEN = "pUsh-T0ken-" + "x" * 20
MARK = "<script>alert('ECHO')</script>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def exchange(requests: list[bytes]) -> list[tuple[int, dict[str, str], bytes]]:
    """Serve the push app as `wirestream push` does and send each raw request on its own connection."""
    publisher = KafkaPublisher(Settings(kafka_bootstrap="127.0.0.1:1"), "push", retry_seconds=0.1)  # never used
    app = create_app(
        publisher,
        token=TOKEN,
        max_bytes=2000,
        max_story_bytes=1000,
        limiter=RateLimiter(1000, 1000),
        anonymous_limiter=RateLimiter(1000, 1000),
        kafka=KafkaHealth(lambda: OK, ttl=5),
        publish_timeout=1,
    )
    runner = PushRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    answers = []
    try:
        for raw in requests:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), 10)
            writer.close()
            head, _, body = data.partition(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
            answers.append((int(status_line.split()[1]), headers, body))
    finally:
        await runner.cleanup()
    return answers


def request(
    line: str = "POST /stories HTTP/1.1", headers: dict[str, str] | None = None, body: bytes = b"", raw: bytes = b""
) -> bytes:
    fields = {"Host": "push", "Connection": "close", "Content-Length": str(len(body)), **(headers or {})}
    return raw or (line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode() + body


AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOSTILE = [
    request(f"GET /{MARK} HTTP/1.1"),  # 404
    request("PUT /stories HTTP/1.1", body=MARK.encode()),  # 405
    request(f"{MARK} /stories HTTP/1.1"),  # not an HTTP method
    request(headers={f"X-{MARK}": "1"}),  # a header name aiohttp cannot parse
    request(headers={**AUTH, "Content-Length": f"12{MARK}"}),
    request(headers={**AUTH, "Transfer-Encoding": "chunked", "Content-Type": "application/json"}, body=MARK.encode()),
    request(headers={"Authorization": f"Bearer {MARK}"}, body=MARK.encode()),  # 401
    request(f"POST /stories?source={MARK} HTTP/1.1", headers=AUTH, body=b"{}"),  # 400 bad source
    request(headers={**AUTH, "Content-Type": "application/json"}, body=f'{{"uri": "{MARK}", '.encode()),  # bad JSON
    request(headers={**AUTH, "Content-Type": "application/x-ndjson"}, body=f"{MARK}\n".encode()),
    request(headers={**AUTH, "Content-Type": f"text/{MARK}"}, body=MARK.encode()),  # 415
    request(headers={**AUTH, "Content-Type": "text/plain"}, body=(MARK * 100).encode()),  # 413 story too large
    request(headers={**AUTH, "Content-Type": "text/plain"}, body=(MARK * 200).encode()),  # 413 body too large
    request("GET /healthz HTTP/1.1", headers={"X": "\x01" + MARK}),
]


def test_errors_are_fixed_json_that_never_quote_the_request() -> None:
    answers = asyncio.run(exchange(HOSTILE))
    statuses = [status for status, _, _ in answers]
    assert statuses == [404, 405, 400, 400, 400, 400, 401, 400, 400, 400, 415, 413, 413, 400]
    for (status, headers, body), sent in zip(answers, HOSTILE, strict=True):
        assert headers["content-type"].startswith("application/json"), (sent, status, body)
        assert headers["x-content-type-options"] == "nosniff"
        document = json.loads(body)
        assert set(document) - {"rejected"} == {"error", "detail"}  # a batch names each refused story
        for fragment in ("script", "alert", "ECHO", "<", ">"):
            assert fragment not in body.decode(), (sent, body)


def test_the_token_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    requests = [
        request(headers={**AUTH, "Content-Type": "application/json"}, body=b"not json"),
        request(headers={"Authorization ": f"Bearer {TOKEN}"}),  # malformed header line that holds the token
        request(raw=f"POST /stories?token={TOKEN} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\x00\r\n\r\n".encode()),
        request(headers={"Authorization": f"Bearer {TOKEN}x"}),
    ]
    with caplog.at_level(logging.DEBUG):
        answers = asyncio.run(exchange(requests))
    assert [status for status, _, _ in answers] == [400, 400, 400, 401]
    assert caplog.records, "the malformed requests were logged"
    assert TOKEN not in caplog.text


def test_token_comparison_is_constant_time_over_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every guess, of any length, is compared as a fixed-length digest through hmac.compare_digest."""
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    guesses = ["", "p", TOKEN[:-1], TOKEN, TOKEN + "x", "y" * 10_000, "é" * 3]
    results = [bearer_matches(f"Bearer {guess}", TOKEN) for guess in guesses]
    assert results == [False, False, False, True, False, False, False]
    assert compared == [(32, 32)] * (len(guesses) - 1)  # the empty guess is refused before any comparison


def test_the_endpoint_listens_on_loopback_unless_configured() -> None:
    """Plain HTTP with a bearer token: anything wider than loopback is an operator's choice, behind TLS."""
    assert Settings.model_fields["push_host"].default == "127.0.0.1"
