"""Spike detection scored on traffic its parameters did not make.

The simulator beside the detector (`tools/simulator.py`) sizes each burst from the detector's own
`alert_size` over a plain Poisson background, so its recall is close to true by construction. This traffic model
shares nothing with the detector's configuration:

- background: each key's base rate log-uniform from 0.5 to 60 stories an hour, shaped by a newsroom day (a
  trough at night, a morning and an afternoon peak) and quieter weekends, and overdispersed: every hour's rate
  is drawn around its mean from a gamma distribution (shape 3: news comes in clusters), so counts vary far more
  than Poisson;
- bursts: fixed sizes in stories (3, 6, 12, 24, 48) on top of the background, whatever the key's level, arriving
  as a news event does: a rate that decays exponentially from the first story (time constant 5, 15 or 45
  minutes), at random keys and times.

Reported per burst size: recall (alerted within two windows of the burst's start), detection delay, and over the
whole run precision and false alerts a key a day. Figures: `python -m tests.evaluation.spikes`.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.spikes.config import SpikeConfig, load_config
from pipeline.spikes.detector import SpikeDetector
from tools import simulator

START = 1793491200.0  # 2026-11-01T00:00:00Z, a Sunday
WARMUP_HOURS = 48
SCORED_HOURS = 72
KEYS = 60
SIZES = (3, 6, 12, 24, 48)
TIME_CONSTANTS = (300.0, 900.0, 2700.0)
BURSTS_PER_SIZE = 24
_GAMMA_SHAPE = 3.0
# A newsroom day, UTC hours 0-23: relative story rate (a night trough, morning and afternoon peaks).
_NIGHT_AND_MORNING = [0.3, 0.25, 0.2, 0.2, 0.25, 0.4, 0.7, 1.1, 1.4, 1.5, 1.45, 1.35]
_AFTERNOON_AND_EVENING = [1.3, 1.35, 1.5, 1.55, 1.45, 1.3, 1.1, 0.95, 0.8, 0.65, 0.5, 0.4]
_DAY = np.array([*_NIGHT_AND_MORNING, *_AFTERNOON_AND_EVENING])
_WEEKEND = 0.6


@dataclass(frozen=True, slots=True)
class Key:
    background: simulator.Background  # kind and key name; its rate fields are not used here
    per_hour: float


def keys(seed: int) -> list[Key]:
    rng = np.random.default_rng(seed)
    names = simulator.backgrounds(KEYS, seed=seed)
    return [Key(name, float(math.exp(rng.uniform(math.log(0.5), math.log(60.0))))) for name in names]


def hourly_rates(key: Key, hours: int, rng: np.random.Generator) -> np.ndarray:
    """Stories an hour for each hour from START: the newsroom day, weekends, and a gamma-drawn cluster factor."""
    hour = np.arange(hours)
    weekday = ((START / 86400 + hour / 24 + 3) % 7).astype(int)  # 0 is Monday; START is a Sunday
    shape = _DAY[hour % 24] * np.where(weekday >= 5, _WEEKEND, 1.0)
    clusters = rng.gamma(_GAMMA_SHAPE, 1 / _GAMMA_SHAPE, hours)
    return key.per_hour * shape / _DAY.mean() * clusters


def traffic(
    all_keys: list[Key], hours: int, bursts: list[simulator.Burst], tau: dict[int, float], seed: int
) -> list[simulator.SimulatedStory]:
    rng = np.random.default_rng(seed)
    stories: list[tuple[float, Any, str, int | None]] = []
    for key in all_keys:
        rates = hourly_rates(key, hours, rng)
        counts = rng.poisson(rates)
        for hour, count in enumerate(counts.tolist()):
            for at in (START + hour * 3600 + rng.uniform(0, 3600, count)).tolist():
                stories.append((at, key.background.kind, key.background.key, None))
    for index, burst in enumerate(bursts):
        offsets = np.minimum(rng.exponential(tau[index], burst.size), burst.duration)
        stories += [(burst.start + float(offset), burst.kind, burst.key, index) for offset in offsets]
    stories.sort(key=lambda story: story[0])
    return [
        simulator.SimulatedStory(at=at, story_id=f"t{seed}-{i}", kind=kind, key=key, burst=burst)
        for i, (at, kind, key, burst) in enumerate(stories)
    ]


def place(all_keys: list[Key], config: SpikeConfig, seed: int) -> tuple[list[simulator.Burst], dict[int, float]]:
    """Bursts of every size at random keys and times of the scored hours, at least two cool-downs apart on a key."""
    rng = np.random.default_rng(seed)
    gap = 2 * config.cooldown_seconds + 2 * config.window_seconds
    scored_from = START + WARMUP_HOURS * 3600
    bursts: list[simulator.Burst] = []
    tau: dict[int, float] = {}
    taken: dict[str, list[float]] = {}
    for size in SIZES:
        placed = 0
        while placed < BURSTS_PER_SIZE:
            key = all_keys[int(rng.integers(len(all_keys)))].background
            at = float(rng.uniform(scored_from, scored_from + SCORED_HOURS * 3600 - 4 * config.window_seconds))
            if any(abs(at - other) < gap for other in taken.get(key.key, [])):
                continue
            taken.setdefault(key.key, []).append(at)
            tau[len(bursts)] = float(rng.choice(TIME_CONSTANTS))
            bursts.append(simulator.Burst(key.kind, key.key, at, size, 3 * tau[len(bursts)]))
            placed += 1
    return bursts, tau


def run(seed: int = 101) -> dict[str, Any]:
    config = load_config()
    all_keys = keys(seed)
    bursts, tau = place(all_keys, config, seed + 1)
    stories = traffic(all_keys, WARMUP_HOURS + SCORED_HOURS, bursts, tau, seed + 2)
    scored_from = START + WARMUP_HOURS * 3600
    alerts = [a for a in simulator.replay(stories, SpikeDetector(config, {})) if a.at >= scored_from]
    overall = simulator.evaluate(bursts, alerts, config.window_seconds)
    by_size = {}
    for size in SIZES:
        chosen = [burst for burst in bursts if burst.size == size]
        result = simulator.evaluate(chosen, alerts, config.window_seconds)
        by_size[size] = {
            "bursts": len(chosen),
            "recall": round(result.recall, 3),
            "median_delay_s": round(statistics.median(result.delays)) if result.delays else None,
        }
    by_spread = {}
    for constant in TIME_CONSTANTS:
        chosen = [burst for index, burst in enumerate(bursts) if tau[index] == constant and burst.size >= 24]
        by_spread[f"{constant / 60:.0f} min"] = round(
            simulator.evaluate(chosen, alerts, config.window_seconds).recall, 3
        )
    false_alerts = overall.alerts - overall.true_alerts
    return {
        "keys": KEYS,
        "scored_hours": SCORED_HOURS,
        "stories": len(stories),
        "alerts": overall.alerts,
        "precision": round(overall.precision, 3),
        "false_alerts_per_key_day": round(false_alerts / KEYS / (SCORED_HOURS / 24), 4),
        "recall_by_size": by_size,
        "recall_of_24_and_48_by_time_constant": by_spread,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
