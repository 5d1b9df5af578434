"""`wirestream dlq`: list, show and replay the records of the dead-letter topic (WIRESTREAM_DLQ_TOPIC).

The topic is read with a consumer of no group, assigned its partitions and sought to their start, so reading
commits no offsets and leaves no group behind; it reads committed records only and stops at the end offsets taken
when it started. Selection and formatting live in `pipeline.dlq`; this module only talks to Kafka.

Errors are one line on stderr, `wirestream dlq: ...`, with pipeline/cli.py's exit codes: 1 no such partition or
offset, 2 a PARTITION:OFFSET that is not one (or bad settings), 3 Kafka unreachable or not answering, 4 Kafka
refused (a topic that does not exist among them).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kafka import KafkaConsumer

    from pipeline.dlq import DeadLetter
    from pipeline.settings import Settings

STALL_SECONDS = 30.0  # a partition that stops short of its end offset for this long is an error, not its end


class DlqError(Exception):
    """What a `dlq` command cannot do, in one line, with its exit code (EXIT_CODES in pipeline/cli.py)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def register(commands: argparse._SubParsersAction) -> None:
    dlq = commands.add_parser("dlq", help="list, show and replay dead-letter records (WIRESTREAM_DLQ_TOPIC)")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)

    listing = actions.add_parser("list", help="one JSON line per dead-letter record, oldest first by partition")
    _selection(listing)
    listing.set_defaults(handler=lambda args: _guarded(_list, args))

    show = actions.add_parser("show", help="one record's headers and payload")
    show.add_argument("position", metavar="PARTITION:OFFSET", help="where the record is, as `dlq list` gives it")
    show.set_defaults(handler=lambda args: _guarded(_show, args))

    replay = actions.add_parser(
        "replay",
        help="send parse dead letters back to the raw topic (WIRESTREAM_RAW_TOPIC) with their original headers",
        description="Publishes each chosen record's original bytes and headers, without the dlq-* ones, to the raw "
        "topic; dedup and index dead letters are listed as skipped, with why. The records stay on the dead-letter "
        "topic: replaying the same selection twice sends it twice.",
    )
    _selection(replay)
    replay.add_argument("--dry-run", action="store_true", help="print what would be replayed, send nothing")
    replay.set_defaults(handler=lambda args: _guarded(_replay, args))


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", help="only records with this dlq-reason (e.g. malformed_json)")
    parser.add_argument("--stage", help="only records of this dlq-stage (parse, dedup, index)")
    parser.add_argument("--limit", type=_positive, help="at most this many matching records")


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return number


def _guarded(command: Callable[[argparse.Namespace, Settings], int], args: argparse.Namespace) -> int:
    """Run a command and say a DlqError in one line; Kafka and settings errors go up to `pipeline.cli.main`, which
    says them the same way."""
    from pipeline.settings import get_settings

    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # its retries would bury the one line said for them
    try:
        return command(args, get_settings())
    except DlqError as exc:
        print(f"wirestream dlq: {exc}", file=sys.stderr)
        return exc.status


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with _consumer(settings) as consumer:
        for letter in _chosen(consumer, settings, args):
            print(json.dumps(letter.summary(), ensure_ascii=False))
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.dlq import parse_position

    try:
        partition, offset = parse_position(args.position)
    except ValueError as exc:
        raise DlqError(str(exc), status=2) from exc  # bad usage
    with _consumer(settings) as consumer:
        letter = dead_letter_at(consumer, settings.dlq_topic, partition, offset)
    print(json.dumps(letter.details(), ensure_ascii=False, indent=2))
    return 0


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    with _consumer(settings) as consumer:
        if not args.dry_run:
            _partitions(consumer, settings.raw_topic)  # the raw topic must exist: never create one by writing to it
        chosen = list(_chosen(consumer, settings, args))
    replayable = [letter for letter in chosen if letter.why_not_replayable() is None]
    if replayable and not args.dry_run:
        republish(settings, replayable)
    for letter in chosen:
        print(json.dumps(letter.replay_report(dry_run=args.dry_run), ensure_ascii=False))
    counts = {"would_replay" if args.dry_run else "replayed": len(replayable), "skipped": len(chosen) - len(replayable)}
    print(json.dumps({"topic": settings.raw_topic, **counts}))
    return 0


def _chosen(consumer: KafkaConsumer, settings: Settings, args: argparse.Namespace) -> Iterator[DeadLetter]:
    from pipeline.dlq import select

    letters = dead_letters(consumer, settings.dlq_topic)
    return select(letters, reason=args.reason, stage=args.stage, limit=args.limit)


def _consumer(settings: Settings) -> KafkaConsumer:
    """A consumer of no group (so it commits nothing and leaves nothing behind), reading committed records only."""
    from kafka import KafkaConsumer

    from pipeline.kafka_security import kafka_python_options

    return KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=f"wirestream-dlq-{uuid.uuid4().hex[:8]}",
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        bootstrap_timeout_ms=5_000,
        **kafka_python_options(settings),
    )


def _partitions(consumer: KafkaConsumer, topic: str) -> list[int]:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise DlqError(  # as Elasticsearch refuses a missing index
            f"topic {topic} does not exist (`wirestream topics` creates the pipeline's topics)", status=4
        )
    return sorted(partitions)


def dead_letters(consumer: KafkaConsumer, topic: str) -> Iterator[DeadLetter]:
    """Every record of the topic up to its end offsets as of now, partition by partition, in offset order."""
    from kafka import TopicPartition

    from pipeline.dlq import DeadLetter

    for partition in _partitions(consumer, topic):
        part = TopicPartition(topic, partition)
        consumer.assign([part])
        start, end = consumer.beginning_offsets([part])[part], consumer.end_offsets([part])[part]
        consumer.seek(part, start)
        progress_at = time.monotonic()
        while consumer.position(part) < end:
            records = consumer.poll(timeout_ms=1_000, max_records=500).get(part, [])
            if records:
                progress_at = time.monotonic()
            elif time.monotonic() - progress_at > STALL_SECONDS:
                raise DlqError(  # Kafka not answering
                    f"{topic} partition {partition}: no records after offset {consumer.position(part)} "
                    f"for {STALL_SECONDS:.0f}s, though its end offset is {end}",
                    status=3,
                )
            for record in records:
                if record.offset < end:
                    yield DeadLetter.from_record(record)


def dead_letter_at(consumer: KafkaConsumer, topic: str, partition: int, offset: int) -> DeadLetter:
    """The record at PARTITION:OFFSET, or a DlqError naming the partitions or offsets there are."""
    from kafka import TopicPartition

    from pipeline.dlq import DeadLetter

    partitions = _partitions(consumer, topic)
    if partition not in partitions:
        raise DlqError(
            f"{topic} has no partition {partition}; its partitions are {partitions[0]}-{partitions[-1]}", status=1
        )
    part = TopicPartition(topic, partition)
    consumer.assign([part])
    start, end = consumer.beginning_offsets([part])[part], consumer.end_offsets([part])[part]
    if not start <= offset < end:
        held = f"offsets {start}-{end - 1}" if end > start else "no offsets"
        raise DlqError(f"{topic} partition {partition} has no offset {offset}; it holds {held}", status=1)
    consumer.seek(part, offset)
    deadline = time.monotonic() + STALL_SECONDS
    while time.monotonic() < deadline and consumer.position(part) <= offset:
        for record in consumer.poll(timeout_ms=1_000, max_records=1).get(part, []):
            if record.offset == offset:
                return DeadLetter.from_record(record)
    raise DlqError(
        f"{topic} partition {partition} has no committed record at offset {offset} "
        "(it holds an aborted record or a transaction marker)",
        status=1,
    )


def republish(settings: Settings, letters: Sequence[DeadLetter]) -> None:
    """Send the records' original keys, bytes and headers (without dlq-*) to the raw topic; returns once Kafka has
    acknowledged every one, else raises."""
    from kafka import KafkaProducer

    from pipeline.kafka_security import kafka_python_options

    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="wirestream-dlq-replay",
        acks="all",
        enable_idempotence=True,
        compression_type="gzip",
        max_request_size=4 * 1024 * 1024,
        bootstrap_timeout_ms=5_000,
        **kafka_python_options(settings),
    )
    try:
        futures = [
            producer.send(settings.raw_topic, key=letter.key, value=letter.value, headers=letter.replay_headers())
            for letter in letters
        ]
        producer.flush()
        if failed := [future.exception for future in futures if future.failed()]:
            raise failed[0]  # a KafkaError: pipeline.cli says whether Kafka was away or refused
    finally:
        producer.close(timeout=10)
