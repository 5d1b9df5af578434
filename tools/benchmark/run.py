"""`wirestream bench`: the whole benchmark on the real services, in one run, as one table and one JSON file.

Phases, in this order so that nothing measured competes with a worker left running: the corpus and the pure
stages (one core each); the raw Kafka baselines (kafka-python produce, aiokafka consume); the same stage in a
Faust agent and in a plain aiokafka loop; the whole pipeline (a real `wirestream worker`: sustained rate, CPU
and memory of every service); the raw Elasticsearch bulk baseline on the documents the worker wrote; latency at
25%, 50% and 90% of the sustained rate; and two workers sharing the load. Ratios and targets come last.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.record import StoryRecord
from pipeline.settings import Settings
from tools.benchmark import PHASES, services
from tools.benchmark.corpus import NO_REPEATS, CorpusItem, Shares, generate, kind_counts
from tools.benchmark.report import build_rows
from tools.benchmark.stages import dedup_stage, parse_stage, tagging_stage
from tools.benchmark.stats import ProcSampler, percentile, rate, render_table, rows_to_json, steady_rate, summary

log = logging.getLogger(__name__)
LOADS = (0.25, 0.5, 0.9)
# Story numbers of the corpora that must never share an item id with the main corpus or with each other.
WARM_UP_STORIES, LATENCY_STORIES, SCALE_STORIES = 10_000_000, 20_000_000, 30_000_000


@dataclass
class Options:
    """What to run and how big. The defaults take a few minutes on a 2-core machine."""

    count: int = 2000
    seed: int = 20261127
    shares: Shares = field(default_factory=Shares)
    partitions: int = 4
    latency_seconds: float = 15.0
    faust_count: int = 300
    scale_count: int = 400
    scale_workers: int = 2
    profile: bool = False
    skip: frozenset[str] = frozenset()
    json_path: Path | None = None

    def runs(self, phase: str) -> bool:
        return phase not in self.skip


def run(options: Options) -> dict[str, Any]:
    """Every phase asked for; the figures as one dict (what `--json` writes). Cleans up what it created."""
    settings = Settings()
    run_id = f"bench{uuid.uuid4().hex[:6]}"
    logs = Path(tempfile.mkdtemp(prefix=f"wirestream-{run_id}-"))
    started = time.time()
    base_time = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    results: dict[str, Any] = {
        "run": {
            "id": run_id,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": platform.node(),
            "cores": os.cpu_count(),
            "load_average_at_start": list(os.getloadavg()),
            "python": platform.python_version(),
            "options": {
                "count": options.count,
                "seed": options.seed,
                "shares": {
                    "exact": options.shares.exact,
                    "syndicated": options.shares.syndicated,
                    "update": options.shares.update,
                },
                "partitions": options.partitions,
                "latency_seconds": options.latency_seconds,
                "faust_count": options.faust_count,
                "scale_count": options.scale_count,
                "scale_workers": options.scale_workers,
                "skipped": sorted(options.skip),
            },
            "logs": str(logs),
        }
    }
    corpus: list[CorpusItem] = []
    records: list[StoryRecord | None] = []
    if any(options.runs(phase) for phase in PHASES if phase != "scale"):
        _say(f"run {run_id}: generating {options.count} items (seed {options.seed}); logs in {logs}")
        corpus = generate(options.count, seed=options.seed, shares=options.shares, base_time=base_time)
        results["corpus"] = _corpus_figures(corpus)
        _say("parse stage (one core)")
        parse_result, records = parse_stage(corpus, profile=options.profile)
        results["stages"] = {"parse": parse_result.to_dict()}
    parsed = [record for record in records if record is not None]
    if options.runs("stages"):
        _say("tagging and dedup stages (one core)")
        results["stages"]["tagging"] = tagging_stage(parsed, profile=options.profile).to_dict()
        results["stages"]["dedup"] = dedup_stage(corpus, records, profile=options.profile).to_dict()
    if not any(options.runs(phase) for phase in PHASES if phase != "stages"):
        return _finish(options, results, started)
    es = services.es_client(settings)
    try:
        topic = f"{run_id}.baseline.raw"
        if options.runs("kafka") or options.runs("faust"):
            _guarded(results, "kafka", lambda: _kafka_phase(options, settings, run_id, topic, corpus))
        if options.runs("faust") and "error" not in results.get("kafka", {}):
            _guarded(results, "faust", lambda: _faust_phase(options, settings, run_id, topic, len(corpus), logs))
        if options.runs("pipeline"):
            worker = _guarded(
                results,
                "pipeline",
                lambda: _pipeline_phase(options, settings, run_id, corpus, records, results, logs, es, base_time),
            )
            if worker is not None:
                try:
                    if options.runs("elasticsearch"):
                        _guarded(results, "elasticsearch", lambda: _es_phase(options, run_id, es))
                    if options.runs("latency"):
                        latency = functools.partial(_latency_phase, options, settings, run_id, results, es, base_time)
                        _guarded(results, "latency", latency)
                finally:
                    worker.stop()
        if options.runs("scale"):
            _guarded(results, "scale", lambda: _scale_phase(options, settings, f"{run_id}-scale", es, base_time, logs))
    finally:
        _say("cleaning up topics and indices")
        services.delete_topics(settings, [run_id])
        services.delete_groups(settings, [run_id])
        services.delete_indices(es, run_id, templates=[f"{run_id}-stories", f"{run_id}-scale-stories"])
        es.close()
    return _finish(options, results, started)


def _finish(options: Options, results: dict[str, Any], started: float) -> dict[str, Any]:
    """Ratios and targets, then the table on stdout and the JSON file."""
    results["ratios"], results["targets"] = _ratios_and_targets(results)
    results["run"]["seconds"] = round(time.time() - started, 1)
    results["run"]["load_average_at_end"] = list(os.getloadavg())
    rows = build_rows(results)
    results["table"] = rows_to_json(rows)
    print(render_table(rows))
    if options.json_path:
        options.json_path.write_text(json.dumps(results, indent=1))
        _say(f"figures written to {options.json_path}")
    return results


def _guarded(results: dict[str, Any], key: str, phase: Callable[[], Any]) -> Any:
    """Run a phase; a phase that fails leaves its error under `key` and the run goes on with the others (a
    worker being rewritten must not cost the baselines). A phase that returns a dict files it under `key`."""
    try:
        value = phase()
    except Exception as exc:
        log.exception("bench phase %s failed", key)
        results[key] = {"error": f"{type(exc).__name__}: {str(exc)[-1500:]}"}
        return None
    if isinstance(value, dict | list):
        results[key] = value
    return value


def _es_phase(options: Options, run_id: str, es: Any) -> dict[str, Any]:
    _say("raw Elasticsearch bulk baseline (sizes doubled, 2 requests in flight)")
    alias = f"{run_id}-stories"
    docs = services.fetch_documents(es, alias, limit=max(2000, options.count))
    body = services.index_body_like(es, alias)
    return {
        **services.bulk_baseline(es, docs, body, f"{run_id}-raw"),
        "documents_from": f"the worker's index ({len(docs)} documents)",
        "refresh_interval": body["settings"]["index"].get("refresh_interval"),
    }


def _corpus_figures(corpus: Sequence[CorpusItem]) -> dict[str, Any]:
    counts = kind_counts(corpus)
    return {
        "items": len(corpus),
        "kinds": counts,
        "expected_documents": counts["distinct"],
        "formats": {form: sum(1 for c in corpus if c.format == form) for form in sorted({c.format for c in corpus})},
        "mean_item_bytes": sum(len(c.item.value) for c in corpus) // max(1, len(corpus)),
    }


# --- Kafka and the Faust stage ------------------------------------------------------------------------------------


def _kafka_phase(
    options: Options, settings: Settings, run_id: str, topic: str, corpus: Sequence[CorpusItem]
) -> dict[str, Any]:
    """The corpus's payloads produced with the connectors' client and options, then consumed by a plain loop;
    the topic then feeds the Faust/aiokafka comparison."""
    tuned = f"{run_id}.baseline.tuned"
    services.create_topics(settings, {name: options.partitions for name in (topic, f"{run_id}.baseline.out", tuned)})
    items = [entry.item for entry in corpus]
    _say(f"raw Kafka produce and consume of the {len(items)} payloads")
    return {
        "produce": services.produce_all(settings, topic, items),
        "consume": services.consume_all(settings, topic, len(items), f"{run_id}-baseline-consume"),
        "produce_tuned": services.produce_all(settings, tuned, items, **services.TUNED_PRODUCER),
    }


def _faust_phase(
    options: Options, settings: Settings, run_id: str, topic: str, count: int, logs: Path
) -> dict[str, Any]:
    """The same work in a Faust agent and in a plain aiokafka loop: none (the shells' own cost), then parse and
    tag (the worker's first stage)."""
    faust: dict[str, Any] = {}
    for work, messages in (("none", count), ("parse-tag", min(options.faust_count, count))):
        for runner in ("aiokafka", "faust"):
            _say(f"stage shell: {runner}, work {work}, {messages} messages")
            faust[f"{runner}:{work}"] = _stage_shell(settings, run_id, runner, work, messages, topic, options, logs)
    return faust


def _stage_shell(
    settings: Settings,
    run_id: str,
    runner: str,
    work: str,
    count: int,
    topic: str,
    options: Options,
    logs: Path,
) -> dict[str, Any]:
    """One `faustloop` child: waits for its result file, reads its CPU time, then stops it with SIGTERM."""
    result_path = logs / f"stage-{runner}-{work}.json"
    command = [
        sys.executable, "-m", "tools.benchmark.faustloop", runner, work,
        "--bootstrap", settings.kafka_bootstrap, "--topic", topic, "--out", f"{run_id}.baseline.out",
        "--group", f"{run_id}-{runner}-{work}", "--count", str(count), "--partitions", str(options.partitions),
        "--result", str(result_path),
    ]  # fmt: skip
    log_path = logs / f"stage-{runner}-{work}.log"
    with log_path.open("wb") as out:
        child = subprocess.Popen(command, cwd=services.ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        finished = services.poll_until(lambda: result_path.exists() or child.poll() is not None, timeout=300)
        if not finished or not result_path.exists():
            return {"error": f"no result ({log_path}): {log_path.read_text(errors='replace')[-500:]}"}
        return json.loads(result_path.read_text())
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


# --- the whole pipeline -------------------------------------------------------------------------------------------


def _start_worker(env: dict[str, str], log_path: Path) -> services.Worker:
    worker = services.Worker(env, log_path)
    try:
        worker.wait_ready()
    except Exception:
        worker.stop()
        raise
    return worker


def _pipeline_phase(
    options: Options,
    settings: Settings,
    run_id: str,
    corpus: Sequence[CorpusItem],
    records: Sequence[StoryRecord | None],
    results: dict[str, Any],
    logs: Path,
    es: Any,
    base_time: datetime,
) -> services.Worker:
    """Start a worker, warm it up, then send the corpus as fast as the producer goes and clock until every
    distinct story is searchable. Returns the running worker for the next phases."""
    env = services.worker_env(
        run_id, web_port=services.free_port(), partitions=options.partitions, data_dir=logs / "worker-data"
    )
    services.run_quietly(services.wirestream("topics"), env)
    _say("starting a worker")
    worker = _start_worker(env, logs / "worker.log")
    alias = env["WIRESTREAM_INDEX_ALIAS"]
    raw_topic = env["WIRESTREAM_RAW_TOPIC"]
    try:
        warm = generate(30, seed=options.seed, shares=NO_REPEATS, base_time=base_time, first_story=WARM_UP_STORIES)
        _say("warm-up: 30 stories through the worker")
        with services.Visibility(es, alias) as visibility:
            for number, story_id in enumerate(_story_ids(warm)):
                visibility.watch(number, [story_id])
            services.produce_all(settings, raw_topic, [entry.item for entry in warm])
            if not visibility.wait(range(len(warm)), timeout=180):
                raise RuntimeError(f"warm-up stories not searchable after 180 s: {worker.tail()}")
        groups = _groups(corpus, records)
        before = worker.metrics()
        sampler = ProcSampler(
            {**services.service_pids(), "worker": worker.pid, "bench (producer, poller)": os.getpid()}
        )
        _say(f"sustained: {len(corpus)} items, until {len(groups)} distinct stories are searchable")
        with services.Visibility(es, alias, interval=0.25) as visibility:
            for group, ids in groups.items():
                visibility.watch(group, ids)
            sampler.start()
            started = time.time()
            produced = services.produce_all(settings, raw_topic, [entry.item for entry in corpus])
            complete = visibility.wait(groups, timeout=max(300.0, len(corpus) / 5))
            resources = sampler.stop()
            seen = dict(visibility.visible)
        done_at = [seen[group] - started for group in groups if group in seen]
        last = max(done_at) if done_at else None
        drained = services.poll_until(
            lambda: _through_dedup(worker.metrics(), before) >= len(corpus), timeout=120, interval=1.0
        )
        after = worker.metrics()
        results["pipeline"] = {
            "items": len(corpus),
            "distinct_stories": len(groups),
            "searchable": len(done_at),
            "complete": complete,
            "produce_seconds": produced["seconds"],
            "seconds_to_all_searchable": round(last, 2) if last else None,
            "stories_per_second": rate(len(corpus), last) if last else None,
            "distinct_per_second": rate(len(done_at), last) if last else None,
            "steady_stories_per_second": steady_rate(done_at, len(corpus)),
            "first_searchable_seconds": round(min(done_at), 2) if done_at else None,
            # when 10%, 20% ... 100% of the distinct stories were searchable: where start-up and tail went
            "searchable_at_deciles_seconds": [round(percentile(done_at, 10 * n) or 0, 2) for n in range(1, 11)],
            "all_items_through_dedup": drained,
            "worker_counters": _worker_counters(before, after),
            "refresh_interval": settings.index_refresh_interval,
        }
        results["resources"] = {**resources, "items": len(corpus)}  # CPU-ms an item in the report
        return worker
    except Exception:
        worker.stop()
        raise


def _groups(corpus: Sequence[CorpusItem], records: Sequence[StoryRecord | None]) -> dict[int, list[str]]:
    """Per distinct story, the ids its document may have: its own item's, or (when dedup saw a partner's copy
    first, which partitions allow) the copy's. Updates and redeliveries keep the original's id."""
    groups: dict[int, list[str]] = {}
    for entry, record in zip(corpus, records, strict=True):
        if record is None or entry.kind not in ("distinct", "syndicated"):
            continue
        groups.setdefault(entry.story, [])
        if record.story_id not in groups[entry.story]:
            groups[entry.story].append(record.story_id)
    return groups


def _story_ids(items: Sequence[CorpusItem]) -> list[str]:
    from pipeline.parse import parse

    return [parse(entry.item, max_bytes=2_000_000).story_id for entry in items]


def _through_dedup(metrics: str, before: str) -> float:
    name = "wirestream_dedup_outcomes_total"
    return services.metric_value(metrics, name) - services.metric_value(before, name)


def _worker_counters(before: str, after: str) -> dict[str, float]:
    """What the worker counted during the run (differences of its /metrics counters)."""
    names = {
        "consumed": ("wirestream_stories_consumed_total", ""),
        "parsed": ("wirestream_stories_parsed_total", ""),
        "indexed": ("wirestream_stories_indexed_total", ""),
        "dead_lettered": ("wirestream_dead_lettered_total", ""),
        "index_retries": ("wirestream_index_retries_total", ""),
        **{
            f"dedup_{o}": ("wirestream_dedup_outcomes_total", f'outcome="{o}"')
            for o in ("new", "update", "duplicate", "redelivery")
        },
    }
    return {
        key: services.metric_value(after, name, labels) - services.metric_value(before, name, labels)
        for key, (name, labels) in names.items()
    }


# --- latency ------------------------------------------------------------------------------------------------------


def _latency_phase(
    options: Options, settings: Settings, run_id: str, results: dict[str, Any], es: Any, base_time: datetime
) -> list[dict[str, Any]]:
    """Distinct stories sent at a steady pace (25%, 50%, 90% of the sustained rate) for `latency_seconds` each.

    Produce-to-searchable latency of a story = the wall time of the first `ids` search that returned it minus
    the wall time just before `producer.send` (same clock, same machine). Searches run every 0.1 s, so each
    figure is high by up to 0.1 s plus the search's own time. `to_bulk` is the document's `indexed_at` (set
    by the worker when it built the bulk request) minus the send time: the part before Elasticsearch, without
    the refresh wait."""
    pipeline = results.get("pipeline") or {}
    sustained = pipeline.get("stories_per_second")
    if not sustained:
        return []
    alias = f"{run_id}-stories"
    topic = f"{run_id}.stories.raw"
    phases = []
    for number, load in enumerate(LOADS):
        pace = sustained * load
        count = max(20, round(pace * options.latency_seconds))
        items = generate(
            count, seed=options.seed, shares=NO_REPEATS, base_time=base_time,
            first_story=LATENCY_STORIES + number * 1_000_000,
        )  # fmt: skip
        ids = _story_ids(items)
        _say(f"latency at {load:.0%} of sustained: {pace:.1f} stories/s for {count / pace:.0f} s")
        client = services.producer(settings)
        client.partitions_for(topic)
        sent: dict[int, float] = {}
        with services.Visibility(es, alias, interval=0.1) as visibility:
            started = time.time()
            for index, (entry, story_id) in enumerate(zip(items, ids, strict=True)):
                delay = started + index / pace - time.time()
                if delay > 0:
                    time.sleep(delay)
                visibility.watch(index, [story_id])
                sent[index] = time.time()
                client.send(topic, key=entry.item.key.encode(), value=entry.item.value, headers=entry.item.headers())
            client.flush()
            send_seconds = time.time() - started
            complete = visibility.wait(range(count), timeout=120)
            visible = dict(visibility.visible)
            indexed = dict(visibility.indexed_at)
        client.close()
        searchable = [visible[i] - sent[i] for i in visible]
        to_bulk = [indexed[i] - sent[i] for i in indexed]
        phases.append(
            {
                "load": load,
                "target_per_second": round(pace, 1),
                "achieved_per_second": rate(count, send_seconds),
                "stories": count,
                "complete": complete,
                "searchable_seconds": summary(searchable),
                "to_bulk_seconds": summary(to_bulk),
                "poll_interval_seconds": 0.1,
            }
        )
    return phases


# --- two workers --------------------------------------------------------------------------------------------------


def _scale_phase(
    options: Options, settings: Settings, run_id: str, es: Any, base_time: datetime, logs: Path
) -> dict[str, Any]:
    """One worker, then `scale_workers` in one consumer group on a raw topic of `partitions` partitions, each
    given `scale_count` fresh distinct stories after a warm-up: the rate of each, every worker's share, and every
    story indexed exactly once (one document each, `_version` 1: nothing indexed twice, nothing lost)."""
    workers: list[services.Worker] = []
    envs = [
        services.worker_env(
            run_id, web_port=services.free_port(), partitions=options.partitions, data_dir=logs / f"scale-data-{n}"
        )
        for n in range(options.scale_workers)
    ]
    services.run_quietly(services.wirestream("topics"), envs[0])
    alias = envs[0]["WIRESTREAM_INDEX_ALIAS"]
    topic = envs[0]["WIRESTREAM_RAW_TOPIC"]
    batches = iter(range(SCALE_STORIES, SCALE_STORIES + 10_000_000, 1_000_000))

    def send(count: int) -> dict[str, Any]:
        """`count` fresh distinct stories at full speed; the rate until all are searchable, per-worker counts."""
        items = generate(count, seed=options.seed, shares=NO_REPEATS, base_time=base_time, first_story=next(batches))
        ids = _story_ids(items)
        befores = [worker.metrics() for worker in workers]
        with services.Visibility(es, alias, interval=0.25) as visibility:
            for index, story_id in enumerate(ids):
                visibility.watch(index, [story_id])
            started = time.time()
            services.produce_all(settings, topic, [entry.item for entry in items])
            complete = visibility.wait(range(len(ids)), timeout=300)
            last = max(visibility.visible.values(), default=started) - started
        services.poll_until(
            lambda: sum(_through_dedup(w.metrics(), b) for w, b in zip(workers, befores, strict=True)) >= count,
            timeout=60,
        )
        per_worker = [_worker_counters(b, w.metrics()) for w, b in zip(workers, befores, strict=True)]
        return {
            "ids": ids,
            "stories": count,
            "complete": complete,
            "seconds_to_all_searchable": round(last, 2),
            "stories_per_second": rate(count, last),
            "consumed_per_worker": [counters["consumed"] for counters in per_worker],
            "dedup_per_worker": [counters["dedup_new"] for counters in per_worker],
            "indexed_per_worker": [counters["indexed"] for counters in per_worker],
        }

    try:
        _say("scale: one worker, warm-up, then its rate")
        completed = 'wirestream_faust_assignment_operations_total{operation="completed"}'
        workers.append(_start_worker(envs[0], logs / "scale-worker-0.log"))
        sent = [send(30)]
        one = send(options.scale_count)
        sent.append(one)
        for number, env in enumerate(envs[1:], start=1):
            _say(f"scale: worker {number + 1} joins the group")
            # only the group leader (the first worker) runs Faust's assignor and counts assignments: a new member
            # is in when the leader has completed one more
            rounds = services.metric_value(workers[0].metrics(), completed)
            workers.append(services.Worker(env, logs / f"scale-worker-{number}.log"))
            joined = functools.partial(_more_than, workers[0], completed, rounds)
            if not services.poll_until(joined, 180):
                raise RuntimeError(f"worker {number} was not given partitions within 180 s: {workers[-1].tail()}")
        time.sleep(5)  # let the last rebalance settle (recovery, standbys) before sending
        sent.append(send(30))  # warms the new workers up
        _say(f"scale: {options.scale_workers} workers, {options.scale_count} stories")
        many = send(options.scale_count)
        sent.append(many)
        ids = [story_id for batch in sent for story_id in batch.pop("ids")]
        es.indices.refresh(index=alias)
        hits = es.search(
            index=alias, body={"query": {"match_all": {}}, "size": len(ids) + 100, "version": True, "_source": False}
        )["hits"]["hits"]
        found = [hit["_id"] for hit in hits]
        versions: dict[str, int] = {}
        for hit in hits:
            versions[str(hit["_version"])] = versions.get(str(hit["_version"]), 0) + 1
        consumed = many["consumed_per_worker"]
        return {
            "workers": options.scale_workers,
            "partitions": options.partitions,
            "one_worker": one,
            "many_workers": many,
            "speed_up": _ratio(many["stories_per_second"], one["stories_per_second"]),
            "stories_sent": len(ids),
            "documents": len(found),
            "missing": len(set(ids) - set(found)),
            "unexpected": len(set(found) - set(ids)),
            "document_versions": versions,
            "every_worker_took_a_share": all(value > 0 for value in consumed),
            "each_consumed_once": sum(consumed) == many["stories"],
            "indexed_exactly_once": len(found) == len(ids) and set(found) == set(ids) and set(versions) == {"1"},
        }
    finally:
        for worker in workers:
            worker.stop()


def _more_than(worker: services.Worker, metric: str, value: float) -> bool:
    return services.metric_value(worker.metrics(), metric) > value


# --- ratios and targets -------------------------------------------------------------------------------------------


def _ratios_and_targets(results: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    pipeline = results.get("pipeline") or {}
    es = results.get("elasticsearch") or {}
    faust = results.get("faust") or {}
    sustained = pipeline.get("stories_per_second")
    bulk = es.get("docs_per_second")
    distinct_rate = pipeline.get("distinct_per_second")
    ratios: dict[str, Any] = {
        "pipeline_over_raw_es_bulk": _ratio(sustained, bulk),
        "pipeline_documents_over_raw_es_bulk": _ratio(distinct_rate, bulk),
        "faust_over_aiokafka_parse_tag": _ratio(
            (faust.get("faust:parse-tag") or {}).get("messages_per_second"),
            (faust.get("aiokafka:parse-tag") or {}).get("messages_per_second"),
        ),
        "faust_over_aiokafka_no_work": _ratio(
            (faust.get("faust:none") or {}).get("messages_per_second"),
            (faust.get("aiokafka:none") or {}).get("messages_per_second"),
        ),
        "pipeline_over_parse_stage": _ratio(
            sustained, (results.get("stages", {}).get("parse") or {}).get("stories_per_second")
        ),
    }
    latency = {phase["load"]: phase for phase in results.get("latency") or []}
    half = latency.get(0.5, {}).get("searchable_seconds", {}).get("p95")
    refresh = _seconds(pipeline.get("refresh_interval") or "1s")
    faust_ratio = ratios["faust_over_aiokafka_parse_tag"]
    targets = [
        _target("sustained end to end >= 1,000 stories/s", sustained, 1000),
        _target("sustained >= 50% of raw ES bulk", ratios["pipeline_over_raw_es_bulk"], 0.5),
        _target("Faust stage >= 50% of a raw aiokafka loop (same work)", faust_ratio, 0.5),
        _target(f"p95 searchable at 50% load <= refresh ({refresh:g} s) + 1 s", half, refresh + 1, at_most=True),
    ]
    return ratios, targets


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator and denominator else None


def _target(name: str, value: float | None, limit: float, *, at_most: bool = False) -> dict[str, Any]:
    """A target of the issue: met when the value reaches the limit (or stays under it, `at_most`)."""
    met = None if value is None else (value <= limit if at_most else value >= limit)
    return {"target": name, "value": value, "limit": limit, "met": met}


def _seconds(interval: str) -> float:
    """An Elasticsearch time value ("1s", "500ms", "2m") in seconds."""
    for unit, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if interval.endswith(unit):
            try:
                return float(interval[: -len(unit)]) * factor
            except ValueError:
                break
    return 1.0


def _say(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
