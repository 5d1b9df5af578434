"""The worker refuses a stories.parsed with more than one partition, read from the real Kafka.

Each test creates its own parsed topic and deletes it afterwards; no worker ever joins a group here."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.settings import Settings
from pipeline.topic_layout import check_worker_topics
from tests.conftest import ROOT
from tests.integration.conftest import wirestream

pytestmark = pytest.mark.integration


@pytest.fixture
def parsed_topic(settings: Settings, kafka_ready: None, request: pytest.FixtureRequest) -> Iterator[str]:
    """A parsed topic of the test's own with `request.param` partitions, deleted afterwards."""
    name = f"layout-{uuid.uuid4().hex[:8]}.stories.parsed"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(name, request.param, 1)])
        yield name
    finally:
        admin.delete_topics([name])
        admin.close()


@pytest.mark.parametrize("parsed_topic", [2], indirect=True)
def test_the_worker_refuses_two_parsed_partitions(settings: Settings, env: dict[str, str], parsed_topic: str) -> None:
    problems = check_worker_topics(settings.model_copy(update={"parsed_topic": parsed_topic}))
    assert len(problems) == 1 and f"{parsed_topic} has 2 partitions" in problems[0]

    worker = subprocess.run(
        wirestream("worker"),
        env={**env, "WIRESTREAM_PARSED_TOPIC": parsed_topic},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    refusals = [line for line in worker.stderr.splitlines() if "worker not started" in line]
    assert worker.returncode != 0, worker.stderr[-3000:]
    assert len(refusals) == 1 and f"{parsed_topic} has 2 partitions" in refusals[0], worker.stderr[-3000:]


@pytest.mark.parametrize("parsed_topic", [1], indirect=True)
def test_one_parsed_partition_passes(settings: Settings, parsed_topic: str) -> None:
    assert check_worker_topics(settings.model_copy(update={"parsed_topic": parsed_topic})) == []


def test_a_missing_parsed_topic_is_refused_and_not_created(settings: Settings, kafka_ready: None) -> None:
    name = f"layout-{uuid.uuid4().hex[:8]}.stories.parsed"
    [problem] = check_worker_topics(settings.model_copy(update={"parsed_topic": name}))
    assert f"{name} does not exist" in problem
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        assert name not in admin.list_topics(), "reading the layout auto-created the topic"
    finally:
        admin.close()
