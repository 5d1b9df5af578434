"""`wirestream` command line: run the worker or a connector, search the index, manage topics.

Connector subcommands are registered by `connectors.cli`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from connectors import cli as connectors_cli
from pipeline import soak as soak_cli
from pipeline.settings import get_settings
from pipeline.spikes import cli as spikes_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wirestream", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    worker = commands.add_parser("worker", help="run the Faust worker (parse and tag, dedup, index)")
    worker.add_argument("--loglevel", default="info", choices=["crit", "error", "warn", "info", "debug"])
    worker.set_defaults(handler=_worker)

    connectors_cli.register(commands)
    soak_cli.register(commands)
    spikes_cli.register(commands)

    search = commands.add_parser("search", help="full-text search of indexed stories")
    search.add_argument("query")
    search.add_argument("--size", type=int, default=3)
    search.set_defaults(handler=_search)

    listing = commands.add_parser("list", help="the most recently published indexed stories")
    listing.add_argument("--size", type=int, default=20)
    listing.set_defaults(handler=_list)

    topics = commands.add_parser("topics", help="create the pipeline's topics if they are missing")
    topics.set_defaults(handler=_topics)

    process = commands.add_parser(
        "process",
        help="run the story pipeline on files (parse, tag, dedup across them), print the records it would index",
        description="Prints one JSON record a line, with its dedup outcome and the story it was filed under, then a "
        'last line {"stories": [...]} with each story, its version, its sources and the files filed under it.',
    )
    process.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    process.add_argument(
        "--source", default=None, help="publisher recorded on every item (default: the folder each file sits in)"
    )
    process.set_defaults(handler=_process)

    from pipeline.benchmark import register as register_bench  # `bench` and its options live with the benchmark

    register_bench(commands)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("elasticsearch").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # logs pages without main text as errors
    return args.handler(args)


def _worker(args: argparse.Namespace) -> int:
    from pipeline.app import app

    Path(get_settings().worker_data_dir).mkdir(parents=True, exist_ok=True)  # Faust creates only the last level

    sys.argv = [
        "wirestream",
        "worker",
        "--loglevel",
        args.loglevel,
        "--web-port",
        str(get_settings().worker_web_port),
    ]
    app.main()
    return 0


def _search(args: argparse.Namespace) -> int:
    from pipeline.bulk_sink import sync_client

    settings = get_settings()
    client = sync_client(settings)
    result = client.search(
        index=settings.index_alias,
        body={
            "query": {"multi_match": {"query": args.query, "fields": ["headline^3", "body"]}},
            "size": args.size,
            "_source": ["story_id", "headline", "published_at", "source", "url"],
        },
    )
    total = result["hits"]["total"]["value"]
    print(json.dumps({"query": args.query, "total": total}))
    for hit in result["hits"]["hits"]:
        print(json.dumps({"score": round(hit["_score"], 3), **hit["_source"]}, ensure_ascii=False))
    return 0 if total else 1


def _list(args: argparse.Namespace) -> int:
    from pipeline.bulk_sink import sync_client

    settings = get_settings()
    client = sync_client(settings)
    if not client.indices.exists_alias(name=settings.index_alias):
        print(json.dumps({"total": 0}))
        return 1
    result = client.search(
        index=settings.index_alias,
        body={
            "size": args.size,
            "sort": [{"published_at": "desc"}],
            "_source": [
                "story_id",
                "published_at",
                "headline",
                "source.publisher",
                "version",
                "countries.code",
                "actors.name",
            ],
        },
    )
    print(json.dumps({"total": result["hits"]["total"]["value"]}))
    for hit in result["hits"]["hits"]:
        print(json.dumps(hit["_source"], ensure_ascii=False))
    return 0


def _topics(_: argparse.Namespace) -> int:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from pipeline.kafka_security import kafka_python_options

    settings = get_settings()
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **kafka_python_options(settings))
    existing = set(admin.list_topics())
    partitions = {
        settings.raw_topic: settings.topic_partitions,
        settings.parsed_topic: 1,  # dedup sees every story in one table partition
        settings.enriched_topic: settings.topic_partitions,
        settings.dlq_topic: settings.topic_partitions,
    }
    wanted = list(partitions)
    missing = [NewTopic(t, partitions[t], 1) for t in wanted if t not in existing]
    try:
        if missing:
            admin.create_topics(missing)
    except TopicAlreadyExistsError:
        pass  # another process created it between list and create
    finally:
        admin.close()
    print(json.dumps({"created": [t.name for t in missing], "existing": sorted(existing & set(wanted))}))
    return 0


def _process(args: argparse.Namespace) -> int:
    from pipeline.parse import Rejected
    from pipeline.process import items_from_paths, process_items, stories_of

    if missing := [str(path) for path in args.paths if not path.exists()]:
        print(json.dumps({"missing": missing}), file=sys.stderr)
        return 2
    filed = []
    rejected = 0
    items = items_from_paths(args.paths, source=args.source)
    for label, outcome in process_items(items, max_bytes=get_settings().max_story_bytes):
        if isinstance(outcome, Rejected):
            rejected += 1
            print(json.dumps({"file": label, "rejected": outcome.reason, "detail": outcome.detail}), file=sys.stderr)
            continue
        filed.append((label, outcome))
        print(json.dumps({"file": label, **outcome.to_dict()}, ensure_ascii=False))
    print(json.dumps({"stories": stories_of(filed), "rejected": rejected}, ensure_ascii=False))
    return 1 if rejected else 0


if __name__ == "__main__":
    raise SystemExit(main())
