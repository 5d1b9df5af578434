"""Spike detection: is a key's count of distinct stories in the current window far above its own usual level?

Pure logic over a mapping the caller owns (a dict in tests, a changelog-backed Faust table in the worker): one
JSON-serialisable `KeyState` per key, replaced by a fresh value on every change, never mutated in place, so a
table sees each write. The caller counts stories in hopping windows (`window_seconds` long, every
`hop_seconds`); `observe` gets, at each story, the count of its hop so far and of the window ending with that
hop, so a spike is judged the moment a story arrives, not when the window closes.

The model, with the parameters of config/spikes.toml:

- Baseline: an exponentially weighted mean of the key's stories per hop (half-life `baseline_half_life_hours`),
  started from `prior_per_hour` weighted as `prior_weight_hours` of data, so a key without history expects the
  prior and a busy one learns its level within hours. A hop enters the baseline only once it has left the window
  (the window is never judged against a baseline that holds it), clipped at its expectation + `clip_sigmas`
  deviations, so a burst barely lifts the level it is judged against. Hops without stories count as zeros,
  folded in at the key's next story in closed form. The prior is also the floor of every expectation.
- Seasonality where history allows: once a key averages `seasonal_min_per_day` stories a day it also keeps an
  EWMA per UTC hour of the day; the expectation is the level times the hour's factor, the hour's own mean shrunk
  toward the daily mean by `seasonal_prior_days` of pseudo-history (a gamma-Poisson posterior mean).
- Test: the window's count against a negative binomial with the window's expectation as mean (`dispersion` is
  its size). score = -log10 P(X >= observed). An alert needs score >= `threshold` and `min_count` stories.
- One burst, one alert: after an alert the key is `on` until a complete window scores below `rearm_score`
  (hysteresis), and stays silent for `cooldown_seconds` in any case. A lasting new level alerts once, then is
  learned while the key stays on.
- Bounded state: keys get state once a window holds `track_min_count` stories; `forget` drops state that has
  decayed back to the prior (the worker sweeps every `sweep_seconds`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NotRequired, TypedDict

from scipy.special import betainc

from pipeline.spikes.config import SpikeConfig

HOURS = 24
MAX_SCORE = 300.0  # -log10 of the smallest tail worth telling apart; beyond it floats say 0


class KeyState(TypedDict):
    """Detector state of one key. Short names: there is one of these per key in a changelog table."""

    b: int  # start (epoch seconds) of the newest hop seen
    r: list[int]  # distinct stories in each hop of the window ending with hop b, oldest first (tracked ones)
    n: int  # distinct stories in that window as last observed (counted by the caller, untracked ones too)
    s: float  # baseline: EWMA sum of stories per hop, of the hops before the window
    w: float  # baseline: EWMA weight (hops of history, saturating)
    on: bool  # alerted and not re-armed yet
    a: float | None  # time of the last alert
    hs: NotRequired[list[float]]  # hour-of-day profile: EWMA sums of stories per hop in each UTC hour
    hd: NotRequired[float]  # days of hops folded into the profile since it began


@dataclass(frozen=True, slots=True)
class Reading:
    """The detector's view of a key after one story."""

    key: str
    at: float
    window_start: float
    window_end: float
    observed: int
    expected: float
    score: float
    alert: bool  # this story makes the key spike: raise an alert now
    active: bool  # the key is in an alert that has not re-armed yet


class SpikeDetector:
    def __init__(self, config: SpikeConfig, states: MutableMapping[str, KeyState]) -> None:
        self.config = config
        self.states = states
        self._step = config.hop_seconds
        self._buckets = config.buckets_per_window
        self._decay = 0.5 ** (self._step / (config.baseline_half_life_hours * 3600))
        # an hour's EWMA moves once per hop of that hour: a half-life of D days is D * 3600 / step of its updates
        self._seasonal_decay = 0.5 ** (self._step / (config.seasonal_half_life_days * 3600))
        self._prior = config.prior_per_hour * self._step / 3600
        self._prior_weight = config.prior_weight_hours * 3600 / self._step
        self._seasonal_min = config.seasonal_min_per_day * self._step / 86400
        self._seasonal_prior = config.seasonal_prior_days * 3600 / self._step  # in hops of one hour of the day

    def bucket_of(self, at: float) -> int:
        return int(at // self._step) * self._step

    def observe(self, key: str, at: float, hop_count: int, window_count: int) -> Reading:
        """Judge `key` after a story at `at`: `hop_count` and `window_count` are its distinct stories so far in
        the hop holding `at` and in the window ending with that hop. Stories may come a little out of order (the
        enriched topic's partitions are read side by side): one whose hop is still in the newest window is judged
        like any other; an older one only counts."""
        bucket = self.bucket_of(at)
        window_start = bucket - (self._buckets - 1) * self._step
        window_end = bucket + self._step
        state = self.states.get(key)
        if state is None:
            expected = self._buckets * self._prior
            score = self.score(window_count, expected)
            if window_count < self.config.track_min_count:
                return Reading(key, at, window_start, window_end, window_count, expected, score, False, False)
            state = KeyState(b=bucket, r=[0] * self._buckets, n=0, s=0.0, w=0.0, on=False, a=None)
        elif bucket > state["b"]:
            state = self._advance(state, bucket)
        expected = self.expected(state, window_start)
        score = self.score(window_count, expected)
        hop = self._buckets - 1 - (state["b"] - bucket) // self._step  # its place in the newest window
        if hop < 0:  # its hops are in the baseline already
            return Reading(key, at, window_start, window_end, window_count, expected, score, False, state["on"])
        ring = state["r"]
        # the newest window's count: this one for a story of the newest hop, else grown as much as the story's hop
        newest = window_count if hop == self._buckets - 1 else state["n"] + hop_count - ring[hop]
        cooled = state["a"] is None or at - state["a"] >= self.config.cooldown_seconds
        alert = not state["on"] and cooled and window_count >= self.config.min_count and score >= self.config.threshold
        state = KeyState(**{**state, "r": [*ring[:hop], hop_count, *ring[hop + 1 :]], "n": newest})
        if alert:
            state = KeyState(**{**state, "on": True, "a": at})
        self.states[key] = state
        return Reading(key, at, window_start, window_end, window_count, expected, score, alert, state["on"])

    def score(self, observed: int, expected: float) -> float:
        """-log10 P(X >= observed) for X negative binomial with mean `expected` and size `dispersion`."""
        if observed <= 0:
            return 0.0
        size = self.config.dispersion
        tail = float(betainc(observed, size, expected / (size + expected)))
        return MAX_SCORE if tail <= 0.0 else min(MAX_SCORE, -math.log10(tail))

    def alert_size(self, expected: float) -> int:
        """The fewest stories in a window that alert a key expected to have `expected`: the burst size the
        configuration promises to catch at that level."""
        size = self.config.min_count
        while self.score(size, expected) < self.config.threshold:
            size += 1
        return size

    def expected(self, state: KeyState, window_start: int) -> float:
        """Expected stories in the window starting at `window_start` (each hop at its own hour of day)."""
        level, shape = self.level(state), self._shape(state)
        hops = (window_start + i * self._step for i in range(self._buckets))
        return sum(max(self._prior, level * (shape[_hour(hop)] if shape else 1.0)) for hop in hops)

    def level(self, state: KeyState) -> float:
        """The baseline in stories per hop, the prior weighing `prior_weight_hours` of data."""
        return (state["s"] + self._prior_weight * self._prior) / (state["w"] + self._prior_weight)

    def forget(self, keys: Iterable[str], now: float) -> int:
        """Drop the state of those `keys` that is worth no more than the prior at `now`; how many went."""
        bucket = self.bucket_of(now)
        stale = []
        for key in keys:
            state = self.states.get(key)
            if state is None or bucket - state["b"] < self.config.window_seconds:
                continue
            if state["a"] is not None and now - state["a"] < self.config.cooldown_seconds:
                continue
            advanced = self._advance(state, bucket)
            if not advanced["on"] and self.level(advanced) <= self._prior:
                stale.append(key)
        for key in stale:
            del self.states[key]
        return len(stale)

    def _shape(self, state: KeyState) -> list[float] | None:
        """The key's hour-of-day profile as factors of its daily mean, or None while it has none."""
        sums = state.get("hs")
        folded = round(state.get("hd", 0.0) * 86400 / self._step)
        if not sums or folded == 0:
            return None
        first = state["b"] - (self._buckets - 1 + folded) * self._step  # the first hop the profile folded
        weights = _hour_weights(first % 86400, folded, self._step, self._seasonal_decay)
        daily = sum(sums) / sum(weights)
        if daily <= 0:
            return None
        # each hour's own mean, shrunk toward the daily mean by `seasonal_prior_days` of pseudo-history
        prior = self._seasonal_prior
        return [(total + prior * daily) / (weight + prior) / daily for total, weight in zip(sums, weights, strict=True)]

    def _advance(self, state: KeyState, bucket: int) -> KeyState:
        """Move the window to end with hop `bucket`: re-arm on the newest complete window, fold the hops that left
        the window into the baseline (the window is never judged against a baseline that holds it)."""
        gap = (bucket - state["b"]) // self._step
        ring = state["r"]
        on = state["on"]
        if on:
            last = state["n"] if gap == 1 else sum(ring[gap - 1 :])  # the window ending just before `bucket`
            on = self.score(last, self.expected(state, bucket - self._buckets * self._step)) >= self.config.rearm_score
        level, shape = self.level(state), self._shape(state)
        folded = state
        first = state["b"] - (self._buckets - 1) * self._step
        for i, count in enumerate(ring[:gap]):
            rate = max(self._prior, level * (shape[_hour(first + i * self._step)] if shape else 1.0))
            clip = math.ceil(rate + self.config.clip_sigmas * math.sqrt(rate * (1 + rate / self.config.dispersion)))
            folded = self._fold(folded, first + i * self._step, min(count, clip))
        folded = self._fold_zeros(folded, state["b"] + self._step, gap - self._buckets)
        if "hs" not in folded and self.level(folded) >= self._seasonal_min:
            folded = KeyState(**folded, hs=[0.0] * HOURS, hd=0.0)
        ring = [*ring[gap:], *[0] * min(gap, self._buckets)]
        return KeyState(**{**folded, "b": bucket, "r": ring, "n": 0, "on": on})

    def _fold(self, state: KeyState, hop: int, count: int) -> KeyState:
        folded = KeyState(**{**state, "s": state["s"] * self._decay + count, "w": state["w"] * self._decay + 1})
        profile = state.get("hs")
        if profile is not None:
            hour = _hour(hop)
            hours = [*profile[:hour], profile[hour] * self._seasonal_decay + count, *profile[hour + 1 :]]
            folded = KeyState(**{**folded, "hs": hours, "hd": state["hd"] + self._step / 86400})
        return folded

    def _fold_zeros(self, state: KeyState, first: int, hops: int) -> KeyState:
        """Fold `hops` empty hops from `first` on, in closed form."""
        if hops <= 0:
            return state
        decay = self._decay**hops
        weight = state["w"] * decay + (1 - decay) / (1 - self._decay)
        folded = KeyState(**{**state, "s": state["s"] * decay, "w": weight})
        profile = state.get("hs")
        if profile is not None:
            per_hour = _hops_by_hour(first, hops, self._step)
            hours = [value * self._seasonal_decay**n for value, n in zip(profile, per_hour, strict=True)]
            folded = KeyState(**{**folded, "hs": hours, "hd": state["hd"] + hops * self._step / 86400})
        return folded


def _hour(at: float) -> int:
    return int(at // 3600) % HOURS


@lru_cache(maxsize=8192)
def _hour_weights(first: int, hops: int, step: int, decay: float) -> tuple[float, ...]:
    """Each hour's EWMA weight in a profile that has folded `hops` hops from `first` on: keys sharing a history
    length share it, hence the cache."""
    return tuple((1 - decay**n) / (1 - decay) for n in _hops_by_hour(first, hops, step))


def _hops_by_hour(first: int, hops: int, step: int) -> list[int]:
    """How many of the `hops` hops from `first` on fall in each UTC hour of the day."""
    per_hour = 3600 // step
    days, rest = divmod(hops, HOURS * per_hour)
    counts = [days * per_hour] * HOURS
    at = first + days * 86400
    while rest > 0:
        take = min(rest, (3600 - at % 3600) // step)
        counts[_hour(at)] += take
        rest -= take
        at += take * step
    return counts
