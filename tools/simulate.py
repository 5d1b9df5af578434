"""`wirestream simulate`: replay a simulated wire with injected bursts through the spike detector, offline.

For demos and for tuning config/spikes.toml: prints each alert (with `--alerts`) and a summary with the detection
delay, precision and recall over the bursts (tools/simulator.py). No Kafka, no worker.
"""

from __future__ import annotations

import argparse
import json
import statistics

START = 1793491200.0  # 2026-11-01T00:00:00Z: a fixed start, so a seed always gives the same wire


def register(commands: argparse._SubParsersAction) -> None:
    simulate = commands.add_parser("simulate", help="replay a simulated wire with bursts through the spike detector")
    simulate.add_argument("--keys", type=int, default=60, help="background keys (countries, actors, topics in turn)")
    simulate.add_argument("--warmup-hours", type=float, default=24, help="background only, alerts not scored")
    simulate.add_argument("--hours", type=float, default=24, help="scored hours after the warm-up")
    simulate.add_argument("--bursts", type=int, default=30, help="bursts injected in the scored hours")
    simulate.add_argument("--seed", type=int, default=1, help="the same seed gives the same wire (default 1)")
    simulate.add_argument("--alerts", action="store_true", help="print every scored alert as a JSON line")
    simulate.set_defaults(handler=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    from pipeline.spikes.alert import Kind, SpikeAlert
    from pipeline.spikes.config import load_config
    from pipeline.spikes.detector import SpikeDetector
    from tools import simulator

    config = load_config()
    detector = SpikeDetector(config, {})
    keys = simulator.backgrounds(args.keys, seed=args.seed)
    scored_from = START + args.warmup_hours * 3600
    bursts = simulator.place_bursts(
        keys, detector, start=scored_from, hours=args.hours, count=args.bursts, seed=args.seed + 1
    )
    stories = simulator.simulate(keys, bursts, start=START, hours=args.warmup_hours + args.hours, seed=args.seed + 2)
    alerts = simulator.replay(stories, detector)
    scored = [alert for alert in alerts if alert.at >= scored_from]
    if args.alerts:
        for reading in scored:
            kind, key = reading.key.split(":", 1)
            print(json.dumps(SpikeAlert.from_reading(Kind(kind), key, key, reading, []).to_dict()))
    evaluation = simulator.evaluate(bursts, scored, config.window_seconds)
    summary = {
        "stories": len(stories),
        "bursts": evaluation.bursts,
        "warmup_alerts": len(alerts) - len(scored),
        "alerts": evaluation.alerts,
        "precision": round(evaluation.precision, 3),
        "recall": round(evaluation.recall, 3),
        "delay_median_seconds": round(statistics.median(evaluation.delays), 1) if evaluation.delays else None,
        "delay_max_seconds": round(max(evaluation.delays), 1) if evaluation.delays else None,
    }
    print(json.dumps(summary))
    return 0
