"""The partition layout the worker relies on, checked before it joins its consumer group.

Dedup compares each story with every story in its window, so stories.parsed must have exactly one partition: with
more, each partition's dedup table sees only part of the stories and duplicates are indexed as new stories, with
no error anywhere. A broker that auto-creates the topic (with its num.partitions) or an operator who adds
partitions makes exactly that layout, so the worker refuses to start on it instead of running wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.settings import Settings

PARSED_PARTITIONS = 1


def layout_problems(partitions: Mapping[str, int], parsed_topic: str) -> list[str]:
    """What is wrong with the topics' partition counts (topic -> partitions, existing topics only), one sentence
    a problem; empty when the worker may start."""
    count = partitions.get(parsed_topic)
    if count is None:
        return [f"topic {parsed_topic} does not exist: create the pipeline's topics with `wirestream topics` first"]
    if count != PARSED_PARTITIONS:
        return [
            f"topic {parsed_topic} has {count} partitions but dedup needs exactly {PARSED_PARTITIONS} (one table must "
            f"see every story); Kafka cannot remove partitions: stop the workers, delete {parsed_topic} and run "
            "`wirestream topics` to create it again"
        ]
    return []


def read_partitions(settings: Settings, topics: Iterable[str]) -> dict[str, int]:
    """Partition counts of those of `topics` that exist (kafka-python admin; the metadata request never
    auto-creates a topic)."""
    from kafka.admin import KafkaAdminClient

    from pipeline.kafka_security import kafka_python_options

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **kafka_python_options(settings))
    try:
        described = admin.describe_topics(list(topics))
    finally:
        admin.close()
    return {topic["name"]: len(topic["partitions"]) for topic in described if topic["error_code"] == 0}


def check_worker_topics(settings: Settings) -> list[str]:
    """The problems of this deployment's layout, read from Kafka; a Kafka that does not answer is one too."""
    from kafka.errors import KafkaError

    try:
        partitions = read_partitions(settings, [settings.parsed_topic])
    except KafkaError as exc:
        return [
            f"cannot read the partitions of {settings.parsed_topic} from Kafka at {settings.kafka_bootstrap} ({exc!r})"
        ]
    return layout_problems(partitions, settings.parsed_topic)
