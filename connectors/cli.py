"""Connector subcommands of `wirestream`; each connector registers its own parser here."""

from __future__ import annotations

import argparse
import json
import signal
from pathlib import Path

from pipeline.settings import get_settings


def register(commands: argparse._SubParsersAction) -> None:
    replay = commands.add_parser("replay", help="publish a JSON-lines file of stories to stories.raw")
    replay.add_argument("file", type=Path)
    replay.add_argument("--source", default="replay", help="publisher name recorded on every item")
    replay.add_argument("--state", type=Path, help="position file (default: .state/connectors/replay-<file>.json)")
    replay.add_argument("--batch", type=int, default=200)
    replay.add_argument("--rate", type=float, help="stories per second (default: as fast as Kafka takes them)")
    replay.add_argument("--follow", action="store_true", help="keep reading as the file grows")
    replay.add_argument("--metrics-port", type=int, default=None, help="0 turns /metrics off")
    replay.set_defaults(handler=_replay)


def _replay(args: argparse.Namespace) -> int:
    from connectors import metrics
    from connectors.publisher import KafkaPublisher
    from connectors.replay import ReplayPosition, replay

    settings = get_settings()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = settings.connector_metrics_port if args.metrics_port is None else args.metrics_port
    metrics.serve(port)
    state = args.state or Path(".state/connectors") / f"replay-{args.file.name}.json"
    publisher = KafkaPublisher(settings, "replay")
    try:
        sent = replay(
            args.file,
            publisher,
            ReplayPosition(state),
            source=args.source,
            batch_size=args.batch,
            rate=args.rate,
            follow=args.follow,
            should_stop=lambda: stopping,
        )
    finally:
        publisher.close()
    print(json.dumps({"connector": "replay", "file": str(args.file), "sent": sent}))
    return 0
