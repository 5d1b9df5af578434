"""One stage, two shells: the same per-message work in a Faust agent and in a plain aiokafka loop, run as a
child process: `python -m tools.benchmark.faustloop RUNNER WORK --topic T --out O --count N --result FILE`.

Why: Faust users report agents at a tenth of a plain consumer loop when events are handled one at a time; this
measures our shell against that ceiling. The Faust agent mirrors the worker's parse agent (`stream.events()`,
one message at a time, `await topic.send` of the result); the aiokafka loop does the same with
`AIOKafkaConsumer` and `AIOKafkaProducer` (acks=all both). WORK is `none` (count the message: the shells'
own cost) or `parse-tag` (`pipeline.process.process`, parse and tag, then send the record as JSON, as the
worker's first agent does). Timed from the first message to the count-th, sends acknowledged, so start-up
and group joining are left out. The result file is written as JSON; the parent then stops the child.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MAX_BYTES = 2_000_000


def _work(kind: str) -> Any:
    """The per-message function: message → (key, value) to send, or None when nothing is sent."""
    if kind == "none":
        return lambda key, value, headers: None
    from pipeline.process import process
    from pipeline.raw import RawItem

    def parse_tag(key: bytes | None, value: bytes | None, headers: Any) -> tuple[bytes, bytes] | None:
        item = RawItem.from_kafka(key, value, headers)
        try:
            record = process(item, max_bytes=MAX_BYTES)
        except Exception:  # refused items would go to the DLQ; none are expected in the corpus
            return None
        return record.story_id.encode(), json.dumps(record.to_dict()).encode()

    return parse_tag


def _warm_up(kind: str) -> None:
    """Load what the worker loads once (language models, automata), before the clock starts."""
    if kind == "parse-tag":
        from pipeline.process import process
        from tools.benchmark.corpus import generate

        for entry in generate(12, seed=1, shares=None):
            process(entry.item, max_bytes=MAX_BYTES)


def _write(path: Path, result: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(result))
    temporary.replace(path)


def run_aiokafka(args: argparse.Namespace) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    work = _work(args.work)
    _warm_up(args.work)

    async def loop() -> None:
        consumer = AIOKafkaConsumer(
            args.topic, bootstrap_servers=args.bootstrap, group_id=args.group, auto_offset_reset="earliest"
        )
        producer = AIOKafkaProducer(bootstrap_servers=args.bootstrap, acks="all")
        await consumer.start()
        await producer.start()
        seen = 0
        first = 0.0
        try:
            async for message in consumer:
                if not seen:
                    first = time.perf_counter()
                out = work(message.key, message.value, message.headers)
                if out is not None:
                    await producer.send(args.out, key=out[0], value=out[1])
                seen += 1
                if seen >= args.count:
                    break
            await producer.flush()
            done = time.perf_counter()
        finally:
            await producer.stop()
            await consumer.stop()
        _write(Path(args.result), _result(args, seen, done - first))

    asyncio.run(loop())


def run_faust(args: argparse.Namespace) -> None:
    import faust

    from pipeline.settings import get_settings

    Path(get_settings().worker_data_dir).mkdir(parents=True, exist_ok=True)

    work = _work(args.work)
    _warm_up(args.work)
    app = faust.App(
        args.group,
        broker=f"kafka://{args.bootstrap}",
        store="memory://",
        datadir=f"{get_settings().worker_data_dir}/{{conf.name}}-data",  # not in the working directory
        web_enabled=False,
        producer_acks=-1,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=args.partitions,
    )
    source = app.topic(args.topic, key_type=bytes, value_type=bytes)
    sink = app.topic(args.out, key_type=bytes, value_type=bytes)
    state = {"seen": 0, "first": 0.0}

    @app.agent(source)
    async def stage(stream: faust.StreamT) -> None:
        async for event in stream.events():
            if not state["seen"]:
                state["first"] = time.perf_counter()
            message = event.message
            out = work(message.key, message.value, message.headers)
            if out is not None:
                await sink.send(key=out[0], value=out[1])
            state["seen"] += 1
            if state["seen"] == args.count:
                await app.producer.flush()
                _write(Path(args.result), _result(args, state["seen"], time.perf_counter() - state["first"]))

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def _result(args: argparse.Namespace, seen: int, seconds: float) -> dict[str, Any]:
    return {
        "runner": args.runner,
        "work": args.work,
        "messages": seen,
        "seconds": round(seconds, 3),
        "messages_per_second": round((seen - 1) / seconds, 1) if seen > 1 and seconds > 0 else None,
        "pid": os.getpid(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runner", choices=["faust", "aiokafka"])
    parser.add_argument("work", choices=["none", "parse-tag"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    (run_faust if args.runner == "faust" else run_aiokafka)(args)


if __name__ == "__main__":
    main()
