"""The one way connectors write to Kafka: acks from all replicas, idempotent retries, compression.

`publish()` returns only once Kafka has acknowledged every item, or raises; a connector moves its
position (file offset, feed state, HTTP 202) only after it returns.

With a `PositionStore` the publisher is transactional (KIP-618): each batch and the connector's new
position go to Kafka in one transaction, so a crash anywhere leaves either both or neither. A batch
whose commit failed ambiguously (a timeout after the broker may have committed) is not sent again if
the committed position read back shows it went through.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kafka import KafkaProducer
from kafka.errors import (
    AuthorizationError,
    KafkaConfigurationError,
    KafkaError,
    MessageSizeTooLargeError,
    ProducerFencedError,
    RecordListTooLargeError,
)
from tenacity import Retrying, retry_if_exception, stop_after_delay, stop_never, stop_when_event_set, wait_exponential

from connectors import metrics
from connectors.position import Position, PositionStore, covers
from pipeline.kafka_security import kafka_python_options
from pipeline.raw import RawItem
from pipeline.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Retrying these cannot help: another process took over this instance, Kafka refuses us or the item,
# or the client is misconfigured.
FATAL = (
    ProducerFencedError,
    AuthorizationError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    KafkaConfigurationError,
)


class PublishError(Exception):
    """Kafka did not acknowledge a batch within the retry budget, or the connector was asked to stop."""


def kafka_security_options(settings: Settings) -> dict[str, object]:
    """SASL/TLS options for every kafka-python client of a connector (see `pipeline.kafka_security`)."""
    return kafka_python_options(settings)


def _retriable(exc: BaseException) -> bool:
    return isinstance(exc, KafkaError | PublishError) and not isinstance(exc, FATAL)


class KafkaPublisher:
    """Publishes batches of raw items; transactional with their position when given an `instance` name.

    `retry_seconds=None` retries until `stop` is set: a connector rides out a Kafka outage and keeps
    its position; the push endpoint gives a budget instead and answers 503 when it runs out.
    """

    def __init__(
        self,
        settings: Settings,
        connector: str,
        *,
        instance: str | None = None,
        retry_seconds: float | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.connector = connector
        self.topic = settings.raw_topic
        self.bootstrap = settings.kafka_bootstrap
        # a short bootstrap wait, so an unreachable Kafka becomes a retry (and a stop request is seen) quickly
        self.options = {**kafka_security_options(settings), "bootstrap_timeout_ms": 5_000}
        self.positions = PositionStore(settings, instance, self.options) if instance else None
        self.retry_seconds = retry_seconds
        self.stop = stop or threading.Event()
        self._producer: KafkaProducer | None = None

    def _connect(self) -> KafkaProducer:
        if self._producer is None:
            transactional = {}
            if self.positions is not None:
                self.positions.ensure_topic()
                transactional = {"transactional_id": self.positions.transactional_id}
            producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"wirestream-{self.connector}",
                acks="all",
                enable_idempotence=True,
                retries=2**31 - 1,
                # bound one attempt, so a stop request is seen during an outage
                request_timeout_ms=10_000,
                delivery_timeout_ms=30_000,
                max_block_ms=15_000,
                compression_type="gzip",
                linger_ms=5,
                max_request_size=4 * 1024 * 1024,
                **transactional,
                **self.options,
            )
            if self.positions is not None:
                try:
                    producer.init_transactions()  # fences an earlier process of this instance, aborting its batch
                except BaseException:
                    producer.close(timeout=5)
                    raise
            self._producer = producer
        return self._producer

    def committed(self) -> dict[str, Any]:
        """The instance's committed position, read after fencing any earlier process of the same instance."""
        if self.positions is None:
            raise ValueError("only a publisher with an instance name has a position")
        return self._retry(self._committed_now)

    def publish(self, items: Sequence[RawItem], position: Position | None = None) -> None:
        """Send a batch (and the position it reaches) and wait until Kafka acknowledged all of it."""
        if self.positions is None and position:
            raise ValueError("a position needs a publisher with an instance name")
        if self.positions is not None and not position:
            raise ValueError("a transactional batch carries the position it reaches")
        if not items and not position:
            return
        attempts = 0

        def send() -> None:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and self.positions is not None and covers(self._committed_now(), position or {}):
                return  # the failed attempt had in fact committed
            self._send_all(items, position)

        self._retry(send)
        if items:
            metrics.ITEMS_SENT.labels(connector=self.connector).inc(len(items))
        metrics.LAST_SUCCESS.labels(connector=self.connector).set(time.time())

    def _committed_now(self) -> dict[str, Any]:
        assert self.positions is not None
        self._connect()  # init_transactions first: the position read after it is final
        return self.positions.load()

    def _retry(self, call: Callable[[], T]) -> T:
        retrying = Retrying(
            retry=retry_if_exception(_retriable),
            wait=wait_exponential(multiplier=0.5, max=15),
            stop=stop_when_event_set(self.stop)
            | (stop_never if self.retry_seconds is None else stop_after_delay(self.retry_seconds)),
            sleep=self.stop.wait,
            before_sleep=lambda state: self._on_retry(state.outcome.exception() if state.outcome else None),
            reraise=True,
        )
        try:
            return retrying(call)
        except KafkaError as exc:
            if isinstance(exc, FATAL):
                raise
            raise PublishError(f"Kafka unavailable: {exc!r}") from exc

    def _send_all(self, items: Sequence[RawItem], position: Position | None) -> None:
        producer = self._connect()
        if self.positions is not None:
            producer.begin_transaction()
        futures = [
            producer.send(self.topic, key=item.key.encode(), value=item.value, headers=item.headers()) for item in items
        ]
        if self.positions is not None and position:
            records = self.positions.records(position)
            futures += [producer.send(self.positions.topic, key=key, value=value) for key, value in records]
        producer.flush()
        failed = [future.exception for future in futures if future.failed()]
        if failed:
            if isinstance(failed[0], FATAL):
                raise failed[0]
            raise PublishError(f"{len(failed)} of {len(futures)} records not acknowledged: {failed[0]!r}")
        if self.positions is not None:
            producer.commit_transaction()

    def _on_retry(self, exc: BaseException | None) -> None:
        metrics.SEND_FAILURES.labels(connector=self.connector).inc()
        log.warning("Kafka did not take the batch (%r); retrying", exc)
        self._drop_producer()

    def _drop_producer(self) -> None:
        """Close after a failure; for a transactional producer the next one's init aborts the open batch."""
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def close(self) -> None:
        if self._producer is not None:
            if self.positions is None:
                self._producer.flush()
            self._producer.close(timeout=10)
            self._producer = None
