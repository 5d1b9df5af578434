"""The push endpoint's cached Kafka answer, with stand-in checks (tests/integration/test_push_kafka_health.py runs
the real check against the real broker and against a port where no broker answers)."""

from __future__ import annotations

import asyncio
import threading

from connectors.kafka_health import OK, KafkaHealth, KafkaStatus

AWAY = KafkaStatus(False, "unreachable", "KafkaTimeoutError('Unable to bootstrap')")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_for_ttl_seconds_then_checked_again() -> None:
    answers, clock = [OK, AWAY], Clock()
    health = KafkaHealth(lambda: answers.pop(0), ttl=5, clock=clock)

    async def ask() -> list[KafkaStatus]:
        seen = [await health.status(), await health.status()]
        clock.now += 5
        seen.append(await health.status())
        return seen

    assert asyncio.run(ask()) == [OK, OK, AWAY]
    assert answers == []
    health.close()


def test_requests_arriving_during_a_check_wait_for_that_one_check() -> None:
    calls, release = [], threading.Event()

    def slow_check() -> KafkaStatus:
        calls.append(1)
        release.wait(5)
        return AWAY

    health = KafkaHealth(slow_check, ttl=5)

    async def ask() -> list[KafkaStatus]:
        waiting = [asyncio.ensure_future(health.status()) for _ in range(20)]
        await asyncio.sleep(0.1)
        release.set()
        return await asyncio.gather(*waiting)

    assert asyncio.run(ask()) == [AWAY] * 20
    assert calls == [1]
    health.close()


def test_a_check_that_breaks_counts_as_kafka_away() -> None:
    def broken() -> KafkaStatus:
        raise OSError("no route to host")

    health = KafkaHealth(broken, ttl=5)
    status = asyncio.run(health.status())
    assert (status.ok, status.reason, status.detail) == (False, "check_failed", "the Kafka check failed")
    health.close()


def test_a_recorded_publish_outcome_is_the_latest_answer() -> None:
    health = KafkaHealth(lambda: OK, ttl=5, clock=Clock())
    health.record(KafkaStatus(False, "publish_failed", "PublishError()"))
    status = asyncio.run(health.status())
    assert (status.ok, status.detail) == (False, "Kafka did not acknowledge the last publish in time")
    health.record(OK)
    assert asyncio.run(health.status()) == OK
    health.close()
