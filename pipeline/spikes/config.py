"""Spike alerting parameters, read from config/spikes.toml (every parameter is commented there)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.config_dir import config_path


@dataclass(frozen=True, slots=True)
class SpikeConfig:
    window_seconds: int
    hop_seconds: int
    max_lateness_seconds: float
    baseline_half_life_hours: float
    seasonal_min_per_day: float
    seasonal_half_life_days: float
    seasonal_prior_days: float
    prior_per_hour: float
    prior_weight_hours: float
    dispersion: float
    threshold: float
    min_count: int
    rearm_score: float
    cooldown_seconds: float
    clip_sigmas: float
    track_min_count: int
    sweep_seconds: float
    min_tag_score: float
    stopwords: str  # path relative to config/
    max_zipf: float
    max_terms_per_story: int
    top_stories: int
    top_keys: int

    def __post_init__(self) -> None:
        if self.hop_seconds <= 0 or self.window_seconds % self.hop_seconds or 3600 % self.hop_seconds:
            raise ValueError("hop_seconds must divide window_seconds and 3600")
        if self.max_lateness_seconds < self.hop_seconds:
            raise ValueError("max_lateness_seconds must be at least hop_seconds: the current hop's stories count")
        if not 0 <= self.rearm_score < self.threshold:
            raise ValueError("rearm_score must be below threshold: that gap is the hysteresis")
        if not 1 <= self.track_min_count <= self.min_count:
            raise ValueError("track_min_count must be between 1 and min_count")
        if self.dispersion <= 0 or self.prior_per_hour <= 0:
            raise ValueError("dispersion and prior_per_hour must be positive")

    @property
    def buckets_per_window(self) -> int:
        return self.window_seconds // self.hop_seconds

    @property
    def stopwords_path(self) -> Path:
        return config_path(self.stopwords)


def load_config(path: Path | None = None) -> SpikeConfig:
    """The given file, by default config/spikes.toml."""
    with (path or config_path("spikes.toml")).open("rb") as file:
        return SpikeConfig(**tomllib.load(file))
