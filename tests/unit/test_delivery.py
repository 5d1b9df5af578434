"""The worker's sends wait for Kafka to take the record (`pipeline.app._delivered`), without a broker: a topic whose
deliveries fail as aiokafka's do when the broker is away."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError


class FailingTopic:
    """A topic whose first deliveries fail with `errors`, in order, and whose next one succeeds. An error wrapped in
    Faust's `ProducerSendError` is raised by the send itself, as Faust does when the record cannot be buffered;
    any other fails the delivery after the send returned."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent = 0

    def get_topic_name(self) -> str:
        return "unit-topic"

    async def send(self, **record: object) -> asyncio.Future[str]:
        self.sent += 1
        error = self.errors.pop(0) if self.errors else None
        if isinstance(error, ProducerSendError):
            raise error
        delivery: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if error is not None:
            delivery.set_exception(error)
        else:
            delivery.set_result("metadata")
        return delivery


def wrapped(error: Exception) -> ProducerSendError:
    """`error` as Faust's aiokafka producer raises it from `send` (faust/transport/drivers/aiokafka.py)."""
    try:
        raise ProducerSendError(f"Error while sending: {error!r}") from error
    except ProducerSendError as raised:
        return raised


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


def test_an_error_raised_by_the_send_itself_is_judged_by_its_cause() -> None:
    from pipeline.app import UNDELIVERABLE, _delivered

    passing = FailingTopic(wrapped(KafkaTimeoutError()))  # the producer's buffer stayed full: the broker is away
    asyncio.run(_delivered(passing, key=b"k", value=b"v"))
    assert passing.sent == 2
    refused = FailingTopic(wrapped(MessageSizeTooLargeError()))  # the client's own size check
    with pytest.raises(UNDELIVERABLE):
        asyncio.run(_delivered(refused, key=b"k", value=b"v"))
    assert refused.sent == 1
