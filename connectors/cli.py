"""Connector subcommands of `wirestream`; each connector registers its own parser here.

Every connector stops on SIGTERM or SIGINT after the batch in flight (its position is committed with
it), exits 0, and keeps running through a Kafka outage, retrying with backoff without moving its
position. It exits 1 only when Kafka refuses it for good (e.g. another process took over its instance).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import get_settings

if TYPE_CHECKING:
    from connectors.publisher import KafkaPublisher

Report = dict[str, object]

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    replay = commands.add_parser("replay", help="publish a JSON-lines file of stories to stories.raw")
    replay.add_argument("file", type=Path, help="JSON lines, one ninjs story a line")
    replay.add_argument("--source", default="replay", help="publisher name recorded on every item")
    replay.add_argument("--instance", help="position name (default: replay-<file name>)")
    # Was the position file; positions now live in Kafka, so a path just names one (replay-state-<path>).
    replay.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    replay.add_argument("--batch", type=int, default=200, help="most stories a Kafka transaction (default 200)")
    replay.add_argument(
        "--rate",
        type=float,
        help="stories a second, one every 1/RATE s; the stories due are sent together (default: as fast as Kafka "
        "takes them)",
    )
    replay.add_argument("--follow", action="store_true", help="keep reading as the file grows")
    _metrics_port(replay, "replay")
    replay.set_defaults(handler=_replay)

    feeds = commands.add_parser("feeds", help="poll the RSS/Atom feeds of a config file into stories.raw")
    feeds.add_argument("--config", type=Path, help="default: feeds.toml in the config folder (WIRESTREAM_CONFIG_DIR)")
    feeds.add_argument("--instance", help="position name (default: feeds-<config file name>)")
    _metrics_port(feeds, "feeds")
    feeds.set_defaults(handler=_feeds)

    watch = commands.add_parser("watch", help="publish files dropped into a folder, then move them to done/")
    watch.add_argument("dir", type=Path, help="the folder to watch")
    watch.add_argument("--source", default="dropfolder", help="publisher name recorded on every item")
    watch.add_argument("--instance", help="position name (default: watch-<folder name>)")
    watch.add_argument("--poll-seconds", type=float, default=1.0, help="between looks at the folder (default 1)")
    watch.add_argument("--batch", type=int, default=100, help="most files a Kafka transaction (default 100)")
    _metrics_port(watch, "watch")
    watch.set_defaults(handler=_watch)

    push = commands.add_parser("push", help="HTTP endpoint: POST /stories (bearer token) into stories.raw")
    push.add_argument("--host", help="listen address (default: WIRESTREAM_PUSH_HOST, 127.0.0.1)")
    push.add_argument("--port", type=int, help="listen port (default: WIRESTREAM_PUSH_PORT, 8088)")
    _metrics_port(push, "push")
    push.set_defaults(handler=_push)


def _metrics_port(parser: argparse.ArgumentParser, connector: str) -> None:
    from connectors.metrics import DEFAULT_PORTS

    parser.add_argument(
        "--metrics-port",
        type=int,
        help=f"/metrics port (default: WIRESTREAM_CONNECTOR_METRICS_PORT, else {DEFAULT_PORTS[connector]}; 0: off)",
    )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def request_stop(signum: int, _: object) -> None:
        log.info("signal %d: stopping after the batch in flight", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def _run(
    connector: str, args: argparse.Namespace, instance: str, body: Callable[[KafkaPublisher, threading.Event], Report]
) -> int:
    """Serve metrics, run a connector with a transactional publisher, stop cleanly, report as JSON."""
    from kafka.errors import KafkaError

    from connectors import metrics
    from connectors.publisher import KafkaPublisher, PublishError

    settings = get_settings()
    stop = _stop_on_signals()
    metrics.serve(metrics.port_for(connector, settings, args.metrics_port), settings.connector_metrics_host)
    publisher = KafkaPublisher(settings, connector, instance=instance, stop=stop)
    try:
        report = body(publisher, stop)
    except PublishError as exc:
        if not stop.is_set():
            raise
        report = {"stopped": f"during a Kafka outage; the batch in flight was not committed ({exc})"}
    except KafkaError as exc:
        log.error("%s: Kafka refused this connector for good: %r", connector, exc)
        return 1
    finally:
        publisher.close()
    print(json.dumps({"connector": connector, "instance": instance, **report}))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from connectors.replay import replay

    if not args.file.is_file():  # before connecting to Kafka; `wirestream` reports it in one line (exit 2)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(args.file))

    def body(publisher: KafkaPublisher, stop: threading.Event) -> Report:
        sent = replay(
            args.file,
            publisher,
            source=args.source,
            batch_size=args.batch,
            rate=args.rate,
            follow=args.follow,
            stop=stop,
        )
        return {"file": str(args.file), "sent": sent}

    named = args.instance or (args.state and f"replay-state-{args.state.resolve()}")
    return _run("replay", args, named or f"replay-{args.file.name}", body)


def _feeds(args: argparse.Namespace) -> int:
    import httpx

    from connectors.feeds import load_feeds, run_feeds
    from pipeline.config_dir import config_path

    path = args.config or config_path("feeds.toml")
    feeds = load_feeds(path)

    def body(publisher: KafkaPublisher, stop: threading.Event) -> Report:
        with httpx.Client(timeout=20, follow_redirects=True, headers={"User-Agent": "wirestream-feeds"}) as client:
            run_feeds(feeds, publisher, client, stop)
        return {"feeds": len(feeds)}

    return _run("feeds", args, args.instance or f"feeds-{path.stem}", body)


def _watch(args: argparse.Namespace) -> int:
    from connectors.dropfolder import DropFolder, watch

    if not args.dir.is_dir():
        print(json.dumps({"error": f"{args.dir} is not a folder"}))
        return 2

    def body(publisher: KafkaPublisher, stop: threading.Event) -> Report:
        folder = DropFolder(
            args.dir, publisher, source=args.source, max_bytes=get_settings().max_story_bytes, batch_size=args.batch
        )
        return {"dir": str(args.dir), "sent": watch(folder, stop, args.poll_seconds)}

    return _run("watch", args, args.instance or f"watch-{args.dir.resolve().name}", body)


def _push(args: argparse.Namespace) -> int:
    import asyncio
    from functools import partial

    from connectors import metrics
    from connectors.client_address import parse_networks
    from connectors.kafka_health import KafkaHealth, check_kafka
    from connectors.publisher import KafkaPublisher
    from connectors.push import RateLimiter, create_app, serve

    settings = get_settings()
    if settings.push_token is None or not settings.push_token.get_secret_value().strip():
        print(json.dumps({"error": "WIRESTREAM_PUSH_TOKEN is not set: the push endpoint will not run without one"}))
        return 2
    try:
        trusted_proxies = parse_networks(settings.push_trusted_proxies)
    except ValueError as exc:
        print(json.dumps({"error": f"WIRESTREAM_PUSH_TRUSTED_PROXIES: {exc}"}))
        return 2
    metrics.serve(metrics.port_for("push", settings, args.metrics_port), settings.connector_metrics_host)
    # A budget rather than endless retries: the client is waiting, and a 503 tells it to send again.
    publisher = KafkaPublisher(settings, "push", retry_seconds=settings.push_publish_timeout_seconds)
    app = create_app(
        publisher,
        token=settings.push_token.get_secret_value().strip(),
        max_bytes=settings.push_max_bytes,
        max_story_bytes=settings.max_story_bytes,
        max_stories=settings.push_max_stories,
        limiter=RateLimiter(settings.push_rate_per_second, settings.push_burst),
        anonymous_limiter=RateLimiter(settings.push_anonymous_rate_per_second, settings.push_anonymous_burst),
        kafka=KafkaHealth(partial(check_kafka, settings), ttl=settings.push_kafka_check_seconds),
        publish_timeout=settings.push_publish_timeout_seconds,
        trusted_proxies=trusted_proxies,
    )
    host, port = args.host or settings.push_host, args.port or settings.push_port
    log.info("push: POST /stories on %s:%d", host, port)
    asyncio.run(serve(app, host, port, shutdown_timeout=30))  # SIGTERM: finish requests, then exit
    print(json.dumps({"connector": "push", "stopped": True}))
    return 0
