"""`wirestream` command line: run the worker or a connector, search the index, manage topics.

Connector subcommands are registered by `connectors.cli`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import select
import sys
from collections import deque
from pathlib import Path

from connectors import cli as connectors_cli
from pipeline import dlq_cli
from pipeline.settings import get_settings

EXIT_CODES = """exit codes: 0 done; 1 not done as asked, and the output says why (nothing found, items refused, a
worker or connector that may not run); 2 bad usage, a missing or unreadable file, or bad settings; 3 Kafka or
Elasticsearch unreachable or not answering (try again later); 4 Kafka or Elasticsearch refused the request
(permissions, a missing index)."""


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option (tests/unit/test_cli.py checks that each has its help)."""
    parser = argparse.ArgumentParser(prog="wirestream", description=__doc__, epilog=EXIT_CODES)
    commands = parser.add_subparsers(dest="command", required=True)

    worker = commands.add_parser("worker", help="run the Faust worker (parse and tag, dedup, index)")
    worker.add_argument(
        "--loglevel", default="info", choices=["crit", "error", "warn", "info", "debug"], help="default: info"
    )
    worker.set_defaults(handler=_worker)

    connectors_cli.register(commands)
    dlq_cli.register(commands)

    search = commands.add_parser("search", help="full-text search of indexed stories")
    search.add_argument(
        "query", help="words to find in headlines (weighted three times) and bodies, accents or not, in any language"
    )
    search.add_argument("--size", type=int, default=3, help="stories to print, best first (default 3)")
    search.add_argument(
        "--country", action="append", default=[], help="only stories about this ISO code (repeat: about each)"
    )
    search.add_argument("--actor", action="append", default=[], help="only stories about this actor id (repeatable)")
    search.set_defaults(handler=_search)

    listing = commands.add_parser("list", help="the most recently published indexed stories")
    listing.add_argument("--size", type=int, default=20, help="stories to print, newest first (default 20)")
    listing.set_defaults(handler=_list)

    topics = commands.add_parser("topics", help="create the pipeline's topics if they are missing")
    topics.set_defaults(handler=_topics)

    sink = commands.add_parser(
        "alert-sink", help="webhook for Alertmanager: POST /alerts/<receiver>, logged and kept as JSON lines"
    )
    sink.add_argument("--host", help="listen address (default: WIRESTREAM_ALERT_SINK_HOST, 127.0.0.1)")
    sink.add_argument("--port", type=int, help="listen port (default: WIRESTREAM_ALERT_SINK_PORT, 19095)")
    sink.add_argument(
        "--file",
        type=Path,
        help="notifications file (default: WIRESTREAM_ALERT_SINK_FILE, .state/alerts/notifications.jsonl)",
    )
    sink.set_defaults(handler=_alert_sink)

    process = commands.add_parser(
        "process",
        help="run the story pipeline on files (parse, tag, dedup across them), print the records it would index",
        description="Prints one JSON record a line, with its dedup outcome and the story it was filed under, then a "
        'last line {"stories": [...]} with each story, its version, its sources and the files filed under it.',
    )
    process.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="FILE_OR_DIR",
        help="story files, or folders of them; - reads one story from standard input",
    )
    process.add_argument(
        "--source", default=None, help="publisher recorded on every item (default: the folder each file sits in)"
    )
    process.set_defaults(handler=_process)

    _register_tooling(commands)
    return parser


def _register_tooling(commands: argparse._SubParsersAction) -> None:
    """`bench`, `simulate` and `soak` live with the tooling (tools/, installed with the project) and come in through
    the `wirestream.commands` entry points (pyproject.toml): the runtime never imports the tooling, and each
    entry point's module imports what its command needs only when the command runs."""
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group="wirestream.commands"), key=lambda entry: entry.name):
        entry.load()(commands)


class LastError(logging.Handler):
    """Keeps the last message a client logged at ERROR instead of printing it: kafka-python logs every failed
    connection attempt, many a second while the broker is away, but its last words name the cause that its
    exception hides ("Unable to bootstrap" after "Authentication failed for user ...")."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: deque[str] = deque(maxlen=_KEPT)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split())[:_LAST_ERROR_CHARS])

    @property
    def message(self) -> str:
        """The last message naming a cause that outlives a retry (a refused login or certificate), else the last
        that says more than the exception will ("Bootstrap failed" says nothing new)."""
        kept = list(self.messages)
        causes = [message for message in kept if any(cause in message for cause in _CAUSES)]
        telling = [message for message in kept if not message.startswith(_GENERIC)]
        return (causes or telling or kept or [""])[-1]


_LAST_ERROR_CHARS = 300
_KEPT = 32
_GENERIC = ("Bootstrap failed",)
_CAUSES = ("Authentication", "Authorization", "certificate verify")
KAFKA_LAST_ERROR = LastError()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Both clients log every failed connection or request (kafka-python at ERROR, elasticsearch at WARNING with a
    # traceback), many a second while the service is away: connectors log their retries, the worker its outages
    # (pipeline/outage.py), and a command that fails says why in one line (failure() below).
    kafka_log = logging.getLogger("kafka")
    kafka_log.setLevel(logging.ERROR)
    kafka_log.propagate = False  # kept, not printed: failure() tells the cause ("Authentication failed ...")
    kafka_log.addHandler(KAFKA_LAST_ERROR)
    logging.getLogger("elasticsearch").setLevel(logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # logs pages without main text as errors
    try:
        return args.handler(args)
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _reader_left():
            # the reader left early (`wirestream process ... | head -1`): what it read is all it wanted. Point
            # stdout at /dev/null so the interpreter's last flush does not fail again (Python's documented recipe)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        if (known := failure(exc)) is None:
            raise  # a bug: its traceback is what helps
        code, message = known
        print(f"wirestream {args.command}: {message}", file=sys.stderr)
        return code


def _reader_left() -> bool:
    """Whether standard output is the broken pipe: a pipe whose reader has gone polls as an error."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
    except (OSError, ValueError, AttributeError):  # no file descriptor, or no poll() on this platform
        return False
    return any(events & select.POLLERR for _, events in poller.poll(0))


def failure(exc: Exception) -> tuple[int, str] | None:
    """The exit code and one line for what a command can expect to go wrong (EXIT_CODES); None for a bug."""
    from elasticsearch import exceptions as es_exceptions
    from kafka.errors import KafkaError

    from pipeline.bulk_sink import describe, es_location
    from pipeline.kafka_security import KafkaSecurityError

    if isinstance(exc, es_exceptions.TransportError):  # ConnectionError and ConnectionTimeout included
        unreachable = isinstance(exc, es_exceptions.ConnectionError)
        return (3 if unreachable else 4), f"Elasticsearch {es_location(get_settings())} {describe(exc)}"
    if isinstance(exc, KafkaError):
        state = "unreachable or not answering" if exc.retriable else "refused the request"
        said = f"; the client said: {KAFKA_LAST_ERROR.message}" if KAFKA_LAST_ERROR.message else ""
        return (3 if exc.retriable else 4), f"Kafka {get_settings().kafka_bootstrap} {state} ({exc}{said})"
    if isinstance(exc, KafkaSecurityError):
        return 2, str(exc)
    if isinstance(exc, ConnectionError | TimeoutError):
        return 3, str(exc)
    if isinstance(exc, OSError):
        return 2, f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
    return None


def _worker(args: argparse.Namespace) -> int:
    from pipeline.topic_layout import check_worker_topics

    if problems := check_worker_topics(get_settings()):  # before the app loads: dedup needs one parsed partition
        logging.getLogger("wirestream.worker").error("worker not started: %s", "; ".join(problems))
        return 1

    from pipeline.worker import app  # the app with every agent module imported

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
    from pipeline.story_search import story_query

    settings = get_settings()
    client = sync_client(settings)
    result = client.search(
        index=settings.index_alias,
        body={
            "query": story_query(args.query, countries=args.country, actors=args.actor),
            "size": args.size,
            "_source": ["story_id", "headline", "published_at", "source", "url", "about"],
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
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from pipeline.kafka_security import kafka_python_options

    settings = get_settings()
    admin = KafkaAdminClient(  # a Kafka that does not answer within 10 s is reported (exit 3), not waited for
        bootstrap_servers=settings.kafka_bootstrap, bootstrap_timeout_ms=10_000, **kafka_python_options(settings)
    )
    existing = set(admin.list_topics())
    partitions = {
        settings.raw_topic: settings.topic_partitions,
        settings.parsed_topic: 1,  # dedup sees every story in one table partition
        settings.enriched_topic: settings.topic_partitions,
        settings.dlq_topic: settings.topic_partitions,
    }
    wanted = list(partitions)
    # a story up to max_story_bytes (and its record, tags and all) fits in one message of every pipeline topic
    configs = {"max.message.bytes": str(settings.topic_max_message_bytes)}
    missing = [NewTopic(t, partitions[t], 1, topic_configs=configs) for t in wanted if t not in existing]
    try:
        if missing:
            admin.create_topics(missing)
        present = [t for t in wanted if t in existing]
        if present:  # topics made before the setting existed, or by the broker itself
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, configs=configs) for t in present])
    except TopicAlreadyExistsError:
        pass  # another process created it between list and create
    finally:
        admin.close()
    print(json.dumps({"created": [t.name for t in missing], "existing": sorted(existing & set(wanted))}))
    return 0


def _alert_sink(args: argparse.Namespace) -> int:
    from pipeline.alert_sink import serve

    settings = get_settings()
    port = settings.alert_sink_port if args.port is None else args.port
    serve(args.host or settings.alert_sink_host, port, args.file or Path(settings.alert_sink_file))
    return 0


def _process(args: argparse.Namespace) -> int:
    from pipeline.parse import Rejected
    from pipeline.process import STDIN, items_from_paths, process_items, stories_of

    if missing := [str(path) for path in args.paths if str(path) != STDIN and not path.exists()]:
        print(json.dumps({"missing": missing}), file=sys.stderr)
        return 2
    piped = [path for path in args.paths if str(path) == STDIN]
    if len(piped) > 1 or (piped and (sys.stdin is None or sys.stdin.isatty())):
        print("wirestream process: - reads one story piped in, once", file=sys.stderr)
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
