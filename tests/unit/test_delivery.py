"""The worker's sends wait for Kafka to take the record (`pipeline.app._delivered`), without a broker: a topic whose
deliveries fail as aiokafka's do when the broker is away."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError


class FailingTopic:
    """A topic whose first deliveries fail with `errors`, in order, and whose next one succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent = 0

    def get_topic_name(self) -> str:
        return "unit-topic"

    async def send(self, **record: object) -> asyncio.Future[str]:
        self.sent += 1
        delivery: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.errors:
            delivery.set_exception(self.errors.pop(0))  # buffered, then refused: Faust's send itself returned
        else:
            delivery.set_result("metadata")
        return delivery


def test_a_delivery_that_times_out_is_sent_again_until_kafka_takes_it() -> None:
    from pipeline.app import _delivered

    topic = FailingTopic(KafkaTimeoutError(), KafkaTimeoutError())
    asyncio.run(_delivered(topic, key=b"k", value=b"v"))
    assert topic.sent == 3


def test_a_record_refused_for_good_is_not_sent_again() -> None:
    from pipeline.app import _delivered

    topic = FailingTopic(MessageSizeTooLargeError())
    with pytest.raises(MessageSizeTooLargeError):
        asyncio.run(_delivered(topic, key=b"k", value=b"v"))
    assert topic.sent == 1
