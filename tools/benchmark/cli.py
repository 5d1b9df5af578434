"""`wirestream bench`: throughput and latency of the pipeline on the real services, as ratios to raw Kafka and
Elasticsearch baselines measured in the same run (tools/benchmark/run.py), and the pure stages on one core.

Only the command line lives here, so `wirestream` starts without importing the benchmark's dependencies.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tools.benchmark import PHASES

STAGES = ("all", "stages", "scale", "parse", "state")


def register(commands: Any) -> None:
    """Add the `bench` subcommand to the `wirestream` parser's subcommands."""
    bench = commands.add_parser(
        "bench",
        help="benchmark: raw Kafka/ES baselines, stages on one core, the whole pipeline, latency, two workers",
        description=__doc__,
    )
    bench.add_argument(
        "stage",
        nargs="?",
        default="all",
        choices=STAGES,
        help="all (default): every phase on the real services; stages: the pure stages only (no services); "
        "scale: two workers only; parse: the parse stage per input format on distinct stories, as JSON; "
        "state: fill the on-disk dedup state with --count distinct stories (default 1,000,000), as JSON",
    )
    bench.add_argument("--count", type=int, default=None, help="items in the corpus (default 2000; parse: 3000)")
    bench.add_argument("--seed", type=int, default=20261127, help="corpus seed: the same seed gives the same corpus")
    bench.add_argument("--exact", type=float, default=0.10, help="share of exact duplicates (redeliveries)")
    bench.add_argument("--syndicated", type=float, default=0.15, help="share of syndicated near-duplicates")
    bench.add_argument("--updates", type=float, default=0.10, help="share of agency updates")
    bench.add_argument("--partitions", type=int, default=4, help="partitions of the raw topics")
    bench.add_argument("--latency-seconds", type=float, default=15.0, help="length of each paced latency run")
    bench.add_argument("--faust-count", type=int, default=300, help="messages for the Faust/aiokafka stage runs")
    bench.add_argument("--scale-count", type=int, default=400, help="stories for the two-worker run")
    bench.add_argument("--workers", type=int, default=2, help="workers in the scale run")
    bench.add_argument("--skip", nargs="*", default=[], choices=PHASES, metavar="PHASE", help=f"of {', '.join(PHASES)}")
    bench.add_argument("--profile", action="store_true", help="cProfile each pure stage (top functions in the JSON)")
    bench.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    bench.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.stage == "parse":
        from tools.benchmark.stages import parse_formats

        print(json.dumps(parse_formats(args.count or 3000, seed=args.seed)))
        return 0
    if args.stage == "state":
        from tools.benchmark.state import fill

        print(json.dumps(fill(args.count or 1_000_000, seed=args.seed)))
        return 0
    from tools.benchmark.corpus import Shares
    from tools.benchmark.run import Options, run

    skip = set(args.skip)
    if args.stage == "stages":
        skip |= set(PHASES) - {"stages"}
    elif args.stage == "scale":
        skip |= set(PHASES) - {"scale"}
    options = Options(
        count=args.count or 2000,
        seed=args.seed,
        shares=Shares(exact=args.exact, syndicated=args.syndicated, update=args.updates),
        partitions=args.partitions,
        latency_seconds=args.latency_seconds,
        faust_count=args.faust_count,
        scale_count=args.scale_count,
        scale_workers=args.workers,
        profile=args.profile,
        skip=frozenset(skip),
        json_path=args.json,
    )
    results = run(options)
    if args.profile:
        _print_profiles(results)
    return 0


def _print_profiles(results: dict[str, Any]) -> None:
    for name, stage in (results.get("stages") or {}).items():
        for row in stage.get("profile") or []:
            share = f"{row['share'] * 100:5.1f}%"
            print(f"profile {name:8} {share} {row['tottime_s']:8.3f}s {row['calls']:>8} {row['function']}")
