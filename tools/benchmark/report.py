"""The benchmark's figures as the rows of its one table. Pure: a results dict in, rows out, so any subset of
phases (a skipped phase leaves its key out) still gives a table, and the rendering is unit-tested."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.benchmark.stats import Row, fmt_number, fmt_percent

PROCESS_ORDER = ("kafka", "elasticsearch", "prometheus", "alertmanager", "worker", "bench (producer, poller)")


def build_rows(results: dict[str, Any]) -> list[Row]:
    sections: list[tuple[str, Callable[[Any], list[Row]]]] = [
        ("corpus", _corpus),
        ("kafka", _kafka),
        ("elasticsearch", _elasticsearch),
        ("stages", _stages),
        ("faust", _shells),
        ("pipeline", _pipeline),
        ("latency", _latency),
        ("ratios", _ratios),
        ("resources", _resources),
        ("scale", _scale),
        ("targets", _targets),
    ]
    rows: list[Row] = []
    for key, section in sections:
        value = results.get(key)
        if isinstance(value, dict) and "error" in value:  # a phase that failed says so, in one line
            rows.append(Row(key, "phase failed", "error", " ".join(str(value["error"]).split())[:300]))
        else:
            rows += section(value)
    return rows


def _corpus(corpus: dict[str, Any] | None) -> list[Row]:
    if not corpus:
        return []
    kinds = corpus["kinds"]
    detail = (
        f"{kinds['distinct']:,} distinct, {kinds['exact']:,} exact duplicates, {kinds['syndicated']:,} syndicated "
        f"copies, {kinds['update']:,} updates; mean item {corpus['mean_item_bytes'] / 1000:.1f} KB, story text 3-5 KB"
    )
    return [Row("corpus", "items", fmt_number(corpus["items"]), detail)]


def _kafka(kafka: dict[str, Any] | None) -> list[Row]:
    if not kafka:
        return []
    produce, consume = kafka["produce"], kafka["consume"]
    rows = [
        Row(
            "raw Kafka",
            "produce, kafka-python acks=all gzip",
            f"{fmt_number(produce['messages_per_second'])} msg/s",
            f"{produce['mb_per_second']} MB/s, {produce['messages']:,} messages of {produce['mean_message_bytes']:,} B",
        ),
    ]
    if tuned := kafka.get("produce_tuned"):
        options = ", ".join(f"{key} {value:,}" for key, value in tuned["overrides"].items())
        rows.append(
            Row(
                "raw Kafka",
                f"produce as above, {options}",
                f"{fmt_number(tuned['messages_per_second'])} msg/s",
                f"{tuned['mb_per_second']} MB/s: the batch size lever for connectors",
            )
        )
    rows.append(
        Row(
            "raw Kafka",
            "consume, plain aiokafka loop",
            f"{fmt_number(consume['messages_per_second'])} msg/s",
            f"{consume['mb_per_second']} MB/s, first to last message",
        )
    )
    return rows


def _elasticsearch(es: dict[str, Any] | None) -> list[Row]:
    if not es:
        return []
    trials = ", ".join(f"{t['bulk_size']}: {fmt_number(t['docs_per_second'])}" for t in es["trials"])
    return [
        Row(
            "raw Elasticsearch",
            f"bulk, {es['bulk_size']} docs a request, {es['concurrent_requests']} in flight",
            f"{fmt_number(es['docs_per_second'])} docs/s",
            f"doubling (size: docs/s) {trials}; until refreshed; {es['mean_doc_bytes']:,} B a doc",
        )
    ]


def _stages(stages: dict[str, Any] | None) -> list[Row]:
    if not stages:
        return []
    rows = []
    notes = {
        "parse": lambda s: f"{_us(s)}; refused {sum(s['refused'].values())}",
        "dedup": lambda s: (
            f"{_us(s)}; outcomes {_pairs(s['outcomes'])}; unexpected {sum(s['unexpected_outcomes'].values())}; "
            f"closest distinct pair {s['closest_distinct_score']} (threshold 0.5)"
        ),
        "tagging": lambda s: f"{_us(s)}; {s['countries_per_story']} countries, {s['actors_per_story']} actors a story",
    }
    for name in ("parse", "dedup", "tagging"):
        if stage := stages.get(name):
            rows.append(
                Row("stage, one core", name, f"{fmt_number(stage['stories_per_second'])} stories/s", notes[name](stage))
            )
    if all(name in stages for name in ("parse", "dedup", "tagging")):
        total = sum(stages[name]["us_per_story"] for name in ("parse", "dedup", "tagging"))
        rows.append(
            Row(
                "stage, one core",
                "parse + tag + dedup",
                f"{fmt_number(1e6 / total)} stories/s",
                f"{fmt_number(total)} µs a story: the ceiling of one worker process without Kafka or Elasticsearch",
            )
        )
    return rows


def _shells(faust: dict[str, Any] | None) -> list[Row]:
    if not faust:
        return []
    rows = []
    labels = {"none": "no work", "parse-tag": "parse + tag + send"}
    for key, result in faust.items():
        runner, work = key.split(":")
        name = "Faust agent, stream.events()" if runner == "faust" else "plain aiokafka loop"
        value = "error" if "error" in result else f"{fmt_number(result['messages_per_second'])} msg/s"
        detail = result.get("error", f"{result.get('messages', 0):,} messages, first to last")
        rows.append(Row("stage shell", f"{name}, {labels.get(work, work)}", value, detail))
    return rows


def _pipeline(pipeline: dict[str, Any] | None) -> list[Row]:
    if not pipeline:
        return []
    counters = pipeline.get("worker_counters") or {}
    dedup = {k.removeprefix("dedup_"): int(v) for k, v in counters.items() if k.startswith("dedup_")}
    detail = (
        f"{pipeline['items']:,} items, {pipeline['searchable']:,}/{pipeline['distinct_stories']:,} distinct stories "
        f"searchable after {pipeline['seconds_to_all_searchable']} s; steady 10-90%: "
        f"{fmt_number(pipeline['steady_stories_per_second'])}/s; worker dedup {_pairs(dedup)}"
    )
    return [
        Row(
            "pipeline",
            "sustained, produce to all searchable",
            f"{fmt_number(pipeline['stories_per_second'])} stories/s",
            detail,
        )
    ]


def _latency(latency: list[dict[str, Any]] | None) -> list[Row]:
    rows = []
    for phase in latency or []:
        searchable, to_bulk = phase["searchable_seconds"], phase["to_bulk_seconds"]
        value = "/".join(_s(searchable[p]) for p in ("p50", "p95", "p99")) + " s"
        detail = (
            f"{phase['stories']} stories at {phase['achieved_per_second']}/s; to bulk request p50/p95 "
            f"{_s(to_bulk['p50'])}/{_s(to_bulk['p95'])} s; poll 0.1 s"
            + ("" if phase["complete"] else "; NOT ALL SEARCHABLE")
        )
        rows.append(Row("latency", f"p50/p95/p99 at {phase['load']:.0%} of sustained", value, detail))
    return rows


def _ratios(ratios: dict[str, Any] | None) -> list[Row]:
    if not ratios:
        return []
    labels = {
        "pipeline_over_raw_es_bulk": ("pipeline / raw ES bulk", "items/s over docs/s"),
        "pipeline_documents_over_raw_es_bulk": ("pipeline documents / raw ES bulk", "distinct docs/s over docs/s"),
        "faust_over_aiokafka_parse_tag": ("Faust / aiokafka loop, same work", "parse + tag + send a message"),
        "faust_over_aiokafka_no_work": ("Faust / aiokafka loop, no work", "the shells' own cost"),
        "pipeline_over_parse_stage": ("pipeline / parse stage on one core", ""),
    }
    return [
        Row("ratio", labels[key][0], fmt_percent(value), labels[key][1])
        for key, value in ratios.items()
        if value is not None
    ]


def _resources(resources: dict[str, Any] | None) -> list[Row]:
    """A row a process: its share of a core, CPU seconds (with the processes under it: the worker's parse pool) and,
    over the run's items, CPU-ms an item beside the ratios."""
    if not resources:
        return []
    items = resources.get("items")
    rows = []
    processes = resources["processes"]
    for name in sorted(processes, key=lambda n: PROCESS_ORDER.index(n) if n in PROCESS_ORDER else 99):
        process = processes[name]
        cpu = process["cpu_seconds"]
        per_item = f"{fmt_number(cpu * 1000 / items, 1)} CPU-ms an item; " if cpu is not None and items else ""
        rows.append(
            Row(
                "CPU, memory (sustained run)",
                name,
                f"{fmt_number(process['cpu_percent_of_one_core'])}% of a core",
                f"{per_item}{fmt_number(cpu, 1)} CPU-s; RSS {fmt_number(process['rss_mib'])} MiB, "
                f"peak {fmt_number(process['peak_rss_mib_in_phase'])} MiB",
            )
        )
    rows.append(
        Row(
            "CPU, memory (sustained run)",
            f"whole machine, {resources['cores']} cores",
            f"{fmt_number(resources['machine_busy_percent'])}% busy",
            f"{fmt_number(resources['other_processes_cpu_seconds'], 1)} CPU-s by other processes "
            f"in {resources['wall_seconds']} s",
        )
    )
    return rows


def _scale(scale: dict[str, Any] | None) -> list[Row]:
    if not scale:
        return []
    one, many = scale["one_worker"], scale["many_workers"]
    consumed = ", ".join(fmt_number(value) for value in many["consumed_per_worker"])
    indexed = ", ".join(fmt_number(value) for value in many["indexed_per_worker"])
    verdict = "yes" if scale["indexed_exactly_once"] else "NO"
    return [
        Row(
            "scale",
            f"1 worker, {one['stories']} distinct stories",
            f"{fmt_number(one['stories_per_second'])} stories/s",
            f"{scale['partitions']} partitions of stories.raw; produce to all searchable",
        ),
        Row(
            "scale",
            f"{scale['workers']} workers, one group, {many['stories']} more",
            f"{fmt_number(many['stories_per_second'])} stories/s",
            f"x{scale['speed_up']}; consumed per worker {consumed}; indexed per worker {indexed}; "
            f"{scale['documents']:,} documents for {scale['stories_sent']:,} stories, versions "
            f"{_pairs(scale['document_versions'])}; indexed exactly once: {verdict}",
        ),
    ]


def _targets(targets: list[dict[str, Any]] | None) -> list[Row]:
    rows = []
    for target in targets or []:
        value = target["value"]
        if value is None:
            continue
        shown = "-" if value is None else (fmt_percent(value) if target["limit"] <= 1 else fmt_number(value, 2))
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[target["met"]]
        rows.append(Row("target", target["target"], verdict, f"measured {shown}"))
    return rows


def _us(stage: dict[str, Any]) -> str:
    return f"{fmt_number(stage['us_per_story'])} µs a story"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pairs(counts: dict[str, Any]) -> str:
    return " ".join(f"{key} {int(value):,}" for key, value in counts.items()) or "-"
