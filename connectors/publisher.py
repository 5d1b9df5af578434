"""The one way connectors write to Kafka: acks from all replicas, idempotent retries, compression.

`publish()` returns only once Kafka has acknowledged every item, or raises; a connector moves its
position (file offset, feed state, HTTP 202) only after it returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.errors import KafkaError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from connectors import metrics
from pipeline.raw import RawItem
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class PublishError(Exception):
    """Kafka did not acknowledge a batch within the retry budget."""


def kafka_security_options(settings: Settings) -> dict[str, object]:
    options: dict[str, object] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password:
            options["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    if settings.kafka_ssl_cafile:
        options["ssl_cafile"] = settings.kafka_ssl_cafile
    return options


class KafkaPublisher:
    def __init__(self, settings: Settings, connector: str, *, retry_seconds: float = 300.0) -> None:
        self.connector = connector
        self.topic = settings.raw_topic
        self.bootstrap = settings.kafka_bootstrap
        self.security = kafka_security_options(settings)
        self.retry_seconds = retry_seconds
        self._producer: KafkaProducer | None = None

    def _connect(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"wirestream-{self.connector}",
                acks="all",
                enable_idempotence=True,
                retries=2**31 - 1,
                delivery_timeout_ms=120_000,
                compression_type="gzip",
                linger_ms=5,
                max_request_size=4 * 1024 * 1024,
                **self.security,
            )
        return self._producer

    def publish(self, items: Sequence[RawItem]) -> None:
        """Send a batch and wait for every acknowledgement, reconnecting with backoff if Kafka is away."""
        if not items:
            return
        retrying = Retrying(
            retry=retry_if_exception_type((KafkaError, PublishError)),
            wait=wait_exponential(multiplier=0.5, max=15),
            stop=stop_after_delay(self.retry_seconds),
            before_sleep=lambda state: self._on_retry(state.outcome.exception() if state.outcome else None),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self._send_all(items)
        metrics.ITEMS_SENT.labels(connector=self.connector).inc(len(items))
        metrics.LAST_SUCCESS.labels(connector=self.connector).set(time.time())

    def _send_all(self, items: Sequence[RawItem]) -> None:
        producer = self._connect()
        futures = [
            producer.send(self.topic, key=item.key.encode(), value=item.value, headers=item.headers()) for item in items
        ]
        producer.flush()
        failed = [future.exception for future in futures if future.failed()]
        if failed:
            raise PublishError(f"{len(failed)} of {len(items)} items not acknowledged: {failed[0]!r}")

    def _on_retry(self, exc: BaseException | None) -> None:
        metrics.SEND_FAILURES.labels(connector=self.connector).inc()
        log.warning("Kafka did not take the batch (%r); retrying", exc)
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush()
            self._producer.close(timeout=10)
            self._producer = None
