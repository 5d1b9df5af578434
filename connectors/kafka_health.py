"""Is Kafka there? The push endpoint's answer for GET /healthz, and its reason to refuse a POST at once.

A check asks a broker for the raw topic's metadata with a short timeout, in a thread of its own. Its answer is
reused for `ttl` seconds, and one check at a time runs, so neither probes nor clients can make it hammer Kafka.
A publish that fails or times out counts as an answer too: the requests behind it get a 503 straight away
instead of each waiting out the publisher's retry budget. Clients see a fixed reason code, never the
exception, which names brokers and goes to the log instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pipeline.settings import Settings

log = logging.getLogger(__name__)

# Longest a check waits for a broker: connect, handshake (TLS, SASL), and one metadata request.
CHECK_TIMEOUT_SECONDS = 3.0
# Kafka's UNKNOWN_TOPIC_OR_PARTITION: the broker answers and creates the topic on the first publish.
UNKNOWN_TOPIC = 3

REASONS = {
    "unreachable": "no Kafka broker answered",
    "topic_error": "Kafka answered with an error for the raw topic",
    "no_leader": "a partition of the raw topic has no leader",
    "publish_failed": "Kafka did not acknowledge the last publish in time",
    "check_failed": "the Kafka check failed",
}


@dataclass(frozen=True)
class KafkaStatus:
    """`reason` is a code of REASONS (empty when ok); `cause` is for the log only."""

    ok: bool
    reason: str = ""
    cause: str = ""

    @property
    def detail(self) -> str:
        return REASONS.get(self.reason, "")


OK = KafkaStatus(True)


class KafkaHealth:
    """The last answer about Kafka, reused for `ttl` seconds; a stale one is replaced by one `check` in a thread."""

    def __init__(
        self, check: Callable[[], KafkaStatus], ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.check, self.ttl, self.clock = check, ttl, clock
        self._last: tuple[KafkaStatus, float] | None = None
        self._running: asyncio.Future[KafkaStatus] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-health")

    def cached(self) -> KafkaStatus | None:
        """The last answer while it is fresh, else None."""
        if self._last is not None and self.clock() - self._last[1] < self.ttl:
            return self._last[0]
        return None

    def record(self, status: KafkaStatus) -> None:
        """Keep an answer (a check's, or a publish's); log when Kafka comes or goes."""
        before = self._last[0] if self._last is not None else None
        self._last = (status, self.clock())
        if not status.ok and (before is None or before.ok or before.reason != status.reason):
            log.warning("push: Kafka unavailable (%s): %s", status.reason, status.cause)
        elif status.ok and before is not None and not before.ok:
            log.info("push: Kafka is back")

    async def status(self) -> KafkaStatus:
        """The fresh answer, or the one of a check started now (or already running for another request)."""
        if (known := self.cached()) is not None:
            return known
        if self._running is None:
            self._running = asyncio.ensure_future(self._check_now())
        return await asyncio.shield(self._running)

    async def _check_now(self) -> KafkaStatus:
        try:
            status = await asyncio.get_running_loop().run_in_executor(self._executor, self._safe_check)
            self.record(status)
            return status
        finally:
            self._running = None

    def _safe_check(self) -> KafkaStatus:
        try:
            return self.check()
        except Exception as exc:  # a check that breaks says nothing good about Kafka
            return KafkaStatus(False, "check_failed", repr(exc))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def check_kafka(settings: Settings, timeout: float = CHECK_TIMEOUT_SECONDS) -> KafkaStatus:
    """Ask a broker for the raw topic's metadata: reachable, the topic readable, every partition with a leader."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError, for_code

    from pipeline.kafka_security import kafka_python_options

    milliseconds = int(timeout * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id="wirestream-push-health",
            bootstrap_timeout_ms=milliseconds,
            request_timeout_ms=milliseconds,
            **kafka_python_options(settings),
        )
    except KafkaError as exc:
        return KafkaStatus(False, "unreachable", repr(exc))
    try:
        [topic] = admin.describe_topics([settings.raw_topic])
    except KafkaError as exc:
        return KafkaStatus(False, "unreachable", repr(exc))
    finally:
        admin.close()
    if topic["error_code"] not in (0, UNKNOWN_TOPIC):
        return KafkaStatus(False, "topic_error", for_code(topic["error_code"]).__name__)
    leaderless = [p["partition_index"] for p in topic["partitions"] if p["leader_id"] < 0]
    if leaderless:
        return KafkaStatus(False, "no_leader", f"{settings.raw_topic} partitions {leaderless}")
    return OK
