"""The outage log of the worker's Elasticsearch writes, as a state machine on a test clock, and the one-line reasons
it gives for Elasticsearch errors."""

from __future__ import annotations

import logging

from elasticsearch import exceptions

from pipeline.bulk_sink import RetryableBulkError, describe
from pipeline.durations import format_duration
from pipeline.outage import OutageLog


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_one_warning_a_reminder_a_minute_and_one_info_with_its_length_and_retries() -> None:
    clock = Clock()
    outage = OutageLog("Elasticsearch http://es:9200 (index stories)", clock=clock)
    assert outage.succeeded() is None  # all well: nothing to say

    assert outage.failed("unreachable (connection refused)") == (
        logging.WARNING,
        "Elasticsearch http://es:9200 (index stories) unreachable (connection refused); retrying with backoff until "
        "it is back",
    )
    lines = []
    for _ in range(20):  # 20 retries 5 s apart: a reminder only once a minute has passed since the last line
        clock.now += 5
        lines.append(outage.failed("unreachable (connection refused)"))
    said = [line for line in lines if line]
    assert said == [
        (
            logging.WARNING,
            "Elasticsearch http://es:9200 (index stories) still unreachable (connection refused), for 1m00s now "
            "(13 retries)",
        )
    ]
    assert lines.index(said[0]) == 11  # the 12th retry, 60 s after the first line

    clock.now += 7
    assert outage.succeeded() == (
        logging.INFO,
        "Elasticsearch http://es:9200 (index stories) is back after 1m47s (21 retries)",
    )
    assert outage.succeeded() is None  # said once


def test_a_second_outage_starts_afresh() -> None:
    clock = Clock()
    outage = OutageLog("ES", clock=clock)
    outage.failed("unreachable (x)")
    clock.now += 100
    outage.succeeded()
    clock.now += 5
    assert outage.failed("refusing requests (HTTP 429 busy)") == (
        logging.WARNING,
        "ES refusing requests (HTTP 429 busy); retrying with backoff until it is back",
    )
    clock.now += 2.5
    assert outage.succeeded() == (logging.INFO, "ES is back after 2.5s (1 retry)")


def test_the_reason_is_one_line_without_the_exception_chain() -> None:
    sync_refused = exceptions.ConnectionError(
        "N/A",
        "<urllib3.connection.HTTPConnection object at 0x7f7817370590>: Failed to establish a new connection: "
        "[Errno 111] Connection refused",
        None,
    )
    refused = "Failed to establish a new connection: [Errno 111] Connection refused"
    assert describe(sync_refused) == f"unreachable ({refused})"
    assert describe(exceptions.ConnectionTimeout("TIMEOUT", "", None)) == "not answering (request timed out)"
    busy = exceptions.TransportError(429, "es_rejected_execution_exception", {"error": {"reason": "queue full"}})
    assert describe(busy) == "refusing requests (HTTP 429 es_rejected_execution_exception: queue full)"
    assert describe(exceptions.TransportError(503, "unavailable", "")) == "refusing requests (HTTP 503 unavailable)"
    assert describe(RetryableBulkError("status 429 for a")) == "refusing documents (status 429 for a)"


def test_durations_read_as_people_say_them() -> None:
    assert [format_duration(s) for s in (0, 0.44, 9.9, 10, 59.4, 60, 125, 3599, 3600, 3725, -1)] == [
        "0.0s",
        "0.4s",
        "9.9s",
        "10s",
        "59s",
        "1m00s",
        "2m05s",
        "59m59s",
        "1h00m",
        "1h02m",
        "0.0s",
    ]
