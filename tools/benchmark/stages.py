"""Each pure stage alone on one core: parse, dedup, tagging. Stories a second and microseconds a story, and a
cProfile of each on request.

Stages are timed story by story with `perf_counter`, with the process pinned to one CPU, after a warm-up that
loads what a worker loads once (language models, gazetteer automata, MinHash permutations). Profiling runs as a
separate pass, so its overhead never enters the timed figures.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.record import StoryRecord
from tools.benchmark.corpus import MAX_BYTES, NO_REPEATS, CorpusItem, generate, load_templates
from tools.benchmark.stats import one_cpu, rate

PROFILE_TOP = 12


@dataclass
class StageResult:
    """One stage's figures; `extra` holds what the stage checks besides time (formats, dedup outcomes)."""

    name: str
    stories: int
    seconds: float
    extra: dict[str, Any]
    profile: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stories": self.stories,
            "seconds": round(self.seconds, 3),
            "stories_per_second": rate(self.stories, self.seconds),
            "us_per_story": round(self.seconds / self.stories * 1e6, 1) if self.stories else None,
            **self.extra,
            **({"profile": self.profile} if self.profile is not None else {}),
        }


def parse_stage(items: Sequence[CorpusItem], *, profile: bool = False) -> tuple[StageResult, list[StoryRecord | None]]:
    """`pipeline.parse.parse` on every item; the records (None for a refusal) feed the next stages."""
    from pipeline.parse import parse

    for template in load_templates():  # warm-up: language detector, lxml and trafilatura caches
        parse(_template_item(template), max_bytes=MAX_BYTES)
    records: list[StoryRecord | None] = []
    spent: dict[str, float] = defaultdict(float)
    counted: Counter[str] = Counter()
    item_bytes: Counter[str] = Counter()
    story_bytes: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    with one_cpu():
        for entry in items:
            started = time.perf_counter()
            try:
                record: StoryRecord | None = parse(entry.item, max_bytes=MAX_BYTES)
            except Exception as exc:  # counted, the benchmark goes on
                record = None
                refused[getattr(exc, "reason", type(exc).__name__)] += 1
            spent[entry.format] += time.perf_counter() - started
            counted[entry.format] += 1
            item_bytes[entry.format] += len(entry.item.value)
            if record is not None:
                story_bytes[entry.format] += len("\n".join(record.body).encode())
            records.append(record)
    formats = {
        form: {
            "stories": counted[form],
            "stories_per_second": rate(counted[form], spent[form]),
            "us_per_story": round(spent[form] / counted[form] * 1e6, 1),
            "mean_item_bytes": item_bytes[form] // counted[form],
            "mean_story_bytes": story_bytes[form] // counted[form],
        }
        for form in sorted(counted)
    }
    result = StageResult("parse", len(items), sum(spent.values()), {"refused": dict(refused), "formats": formats})
    if profile:
        result.profile = _profile(lambda: [parse(entry.item, max_bytes=MAX_BYTES) for entry in items[:400]])
    return result, records


def parse_formats(count: int, *, seed: int) -> dict[str, Any]:
    """`wirestream bench parse`: the parse stage alone on `count` distinct corpus stories, per input format."""
    result, _ = parse_stage(generate(count, seed=seed, shares=NO_REPEATS))
    return result.to_dict()


def tagging_stage(records: Sequence[StoryRecord], *, profile: bool = False) -> StageResult:
    """`tag_countries` and `tag_actors` on every record over one story text, as `enrich` does, the automata built
    beforehand (once a process)."""
    from pipeline.tagging import tag_actors, tag_countries
    from pipeline.tagging.storytext import story_text

    if records:  # warm-up: builds both automata
        tag_countries(records[0])
        tag_actors(records[0])
    countries = actors = 0
    spent = 0.0
    with one_cpu():
        for record in records:
            started = time.perf_counter()
            story = story_text(record)
            country_tags = tag_countries(record, story)
            actor_tags = tag_actors(record, story)
            spent += time.perf_counter() - started
            countries += len(country_tags)
            actors += len(actor_tags)
    extra = {
        "countries_per_story": round(countries / len(records), 2) if records else None,
        "actors_per_story": round(actors / len(records), 2) if records else None,
    }
    result = StageResult("tagging", len(records), spent, extra)
    if profile:
        result.profile = _profile(lambda: [(tag_countries(r), tag_actors(r)) for r in records[:400]])
    return result


def dedup_stage(
    items: Sequence[CorpusItem], records: Sequence[StoryRecord | None], *, profile: bool = False
) -> StageResult:
    """`Deduplicator.dedupe` (dict stores, config/dedup.toml) on the records in stream order, each decision
    applied. Checks every outcome against the kind the corpus gave the item: a distinct story that came out a
    duplicate would mean the corpus is not as distinct as it claims, and the other figures would lie."""
    from pipeline.dedupe import Deduplicator, DedupStores, load_config

    def fresh() -> Deduplicator:
        return Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))

    deduplicator = fresh()
    outcomes: Counter[str] = Counter()
    mismatches: Counter[str] = Counter()
    nearest = 0.0
    spent = 0.0
    pairs = [(entry, record) for entry, record in zip(items, records, strict=True) if record is not None]
    with one_cpu():
        for entry, record in pairs:
            started = time.perf_counter()
            decision = deduplicator.dedupe(record)
            decision.apply(record)
            spent += time.perf_counter() - started
            outcomes[decision.outcome.value] += 1
            if decision.outcome.value != entry.expected_outcome:
                mismatches[f"{entry.kind}->{decision.outcome.value}"] += 1
            if entry.kind == "distinct":
                nearest = max(nearest, decision.score)
    extra = {
        "outcomes": dict(sorted(outcomes.items())),
        "unexpected_outcomes": dict(mismatches),
        "closest_distinct_score": round(nearest, 3),  # the best candidate a distinct story had; threshold 0.5
        "stories_in_stores": len(deduplicator.stores.stories),
    }
    result = StageResult("dedup", len(pairs), spent, extra)
    if profile:
        profiled = fresh()
        result.profile = _profile(lambda: [profiled.dedupe(record) for _, record in pairs])
    return result


def _profile(run: Callable[[], object]) -> list[dict[str, Any]]:
    """The functions taking the most time of their own (tottime) while `run` runs, with their share."""
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (path, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(path)}:{line}({function})",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
                "share": round(tottime / total, 3) if total else None,
            }
        )
    rows.sort(key=lambda row: row["tottime_s"], reverse=True)
    return rows[:PROFILE_TOP]


def _short(path: str) -> str:
    for marker in ("site-packages/", "/pipeline/", "lib/python3"):
        if marker in path:
            return (marker.strip("/") + "/" if marker == "/pipeline/" else "") + path.split(marker, 1)[1]
    return path


def _template_item(template: Any) -> Any:
    from pipeline.raw import RawItem

    return RawItem(
        key=template.name,
        value=template.text.encode(template.charset, errors="replace"),
        source="bench",
        content_type=template.content_type,
        connector="bench",
    )
