"""`wirestream soak`: run the pipeline for a long time at a steady rate and fail if memory or lag keep growing.

A writer appends distinct synthetic stories (`tools.synthetic`) to a JSON-lines file at `--rate` stories a
second; a real `wirestream replay --follow` connector sends them to Kafka and a real `wirestream worker` indexes
them, on topics, a consumer group and an index alias of the soak's own (on the Kafka and Elasticsearch the
settings point at). Every `--sample-seconds` it samples the resident memory of both processes, the worker
group's lag and the stories indexed. At the end it lets the worker drain, checks every story written was
indexed, and judges the samples after the warm-up (`analyse`, pure; the first quarter of the run, and at least
the time the spike windows take to fill): memory or lag that grew by more than the allowed amount fails the run
(exit 1).

The worker keeps every story of the dedup window (72 h) in its tables, which is growth by design; stories are
dated `--story-age-hours` back (default: just past the window) so the worker evicts them within a minute and
its steady state is reached early. Any growth left is a leak.

Not part of CI: `deploy/local/soak` (or `wirestream soak`) runs it, 20 minutes by default.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAUST_TABLE_CLEANUP_SECONDS = 30.0  # faust's table_cleanup_interval, which the worker leaves at its default


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at the running pipeline, `seconds` after the soak started."""

    seconds: float
    worker_rss_mib: float
    connector_rss_mib: float
    lag: int
    written: int
    indexed: int


@dataclass(frozen=True, slots=True)
class Limits:
    """How much growth between the start and the end of the steady part of the run is still no trend."""

    warmup_fraction: float = 0.25
    warmup_seconds: float = 0.0  # and at least this long: the time the worker's windowed state takes to fill
    rss_growth_mib: float = 40.0
    rss_growth_fraction: float = 0.15
    lag_growth: int = 500


@dataclass
class Verdict:
    ok: bool
    failures: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def slope_per_minute(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per minute; 0 for fewer than two distinct times."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def _ends(values: Sequence[float]) -> tuple[float, float]:
    """Medians of the first and the last quarter: robust to a single spike or garbage-collection dip."""
    quarter = max(1, len(values) // 4)
    return statistics.median(values[:quarter]), statistics.median(values[-quarter:])


def analyse(samples: Sequence[Sample], limits: Limits = Limits()) -> Verdict:
    """Judge a run: after the warm-up, neither process's memory nor the lag may grow beyond the limits."""
    verdict = Verdict(ok=True)
    warmup = max(samples[-1].seconds * limits.warmup_fraction, limits.warmup_seconds) if samples else 0.0
    steady = [s for s in samples if s.seconds >= warmup]
    if len(steady) < 4:
        return Verdict(ok=False, failures=[f"too few samples after the warm-up ({len(steady)}): run longer"])
    verdict.figures["warmup_seconds"] = round(warmup)
    for name in ("worker_rss_mib", "connector_rss_mib"):
        values = [getattr(s, name) for s in steady]
        start, end = _ends(values)
        growth = end - start
        allowed = max(limits.rss_growth_mib, limits.rss_growth_fraction * start)
        verdict.figures[name] = {
            "start": round(start, 1),
            "end": round(end, 1),
            "max": round(max(values), 1),
            "growth": round(growth, 1),
            "slope_per_min": round(slope_per_minute([(s.seconds, getattr(s, name)) for s in steady]), 2),
        }
        if growth > allowed:
            verdict.failures.append(f"{name} grew {growth:.1f} MiB ({start:.1f} -> {end:.1f}), over {allowed:.1f}")
    lags = [float(s.lag) for s in steady]
    start, end = _ends(lags)
    verdict.figures["lag"] = {
        "start": int(start),
        "end": int(end),
        "max": int(max(lags)),
        "slope_per_min": round(slope_per_minute([(s.seconds, float(s.lag)) for s in steady]), 1),
    }
    if end - start > limits.lag_growth:
        verdict.failures.append(f"lag grew by {end - start:.0f} ({start:.0f} -> {end:.0f}), over {limits.lag_growth}")
    verdict.ok = not verdict.failures
    return verdict


# ---------------------------------------------------------------------------------------------- the shell


def consumer_lag(admin: Any, consumer: Any, group: str, topics: Sequence[str]) -> int:
    """Records of `topics` the consumer group has not committed yet (kafka-python admin client and consumer).

    A read_committed group cannot commit past the marker that ends a transaction: on a topic written in
    transactions (stories.raw) a drained group may stay one offset per partition short."""
    from kafka import TopicPartition

    committed = admin.list_group_offsets({group: None}).get(group, {})
    partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
    if not partitions:
        return 0
    end = consumer.end_offsets(partitions)
    done = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
    return sum(max(0, end[tp] - done.get(tp, 0)) for tp in partitions)


def rss_mib(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wirestream(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


class _Writer(threading.Thread):
    """Appends `rate` distinct stories a second to the file the connector follows, whole lines only."""

    def __init__(self, path: Path, rate: float, age: timedelta, case: str, zipf: bool) -> None:
        super().__init__(daemon=True)
        self.path, self.rate, self.age, self.case, self.zipf = path, rate, age, case, zipf
        self.written = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from tools.synthetic import jsonl, ninjs_story

        started = time.monotonic()
        with self.path.open("ab") as handle:
            while not self.stop.is_set():
                due = int((time.monotonic() - started) * self.rate) - self.written
                if due > 0:
                    published = datetime.now(UTC) - self.age
                    stories = [
                        ninjs_story(self.case, self.written + n, published=published, zipf=self.zipf)
                        for n in range(due)
                    ]
                    handle.write(jsonl(stories))
                    handle.flush()
                    self.written += due
                self.stop.wait(0.2)


class Soak:
    """Starts the writer, connector and worker on topics of their own; samples; stops them; cleans up."""

    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        from pipeline.settings import Settings

        self.args, self.out = args, out
        self.run = f"soak{uuid.uuid4().hex[:6]}"
        topics = {
            f"WIRESTREAM_{name.upper()}": f"{self.run}.{info.default}"
            for name, info in Settings.model_fields.items()
            if name.endswith("_topic") and isinstance(info.default, str)
        }
        self.port = args.worker_port or _free_port()
        (out / "faust").mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            **topics,
            "WIRESTREAM_APP_ID": f"wirestream-{self.run}",
            "WIRESTREAM_INDEX_ALIAS": f"{self.run}-stories",
            "WIRESTREAM_WORKER_WEB_PORT": str(self.port),
            "WIRESTREAM_WORKER_DATA_DIR": str(out / "faust"),
            "WIRESTREAM_CONNECTOR_METRICS_PORT": "0",
        }
        self.settings = Settings(
            **{
                name: value
                for name, value in {k.removeprefix("WIRESTREAM_").lower(): v for k, v in self.env.items()}.items()
                if name in Settings.model_fields
            }
        )
        self.file = out / "stories.jsonl"
        self.file.touch()
        self.writer = _Writer(
            self.file, args.rate, timedelta(hours=args.story_age_hours), self.run, args.words == "zipf"
        )
        self.processes: dict[str, subprocess.Popen] = {}

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.out / f"{name}.log").open("ab")
        process = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def _worker_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as response:
                page = response.read().decode()
        except OSError:
            return False
        return 'wirestream_faust_assignment_operations_total{operation="completed"}' in page

    def _indexed(self, es: Any) -> int:
        try:
            es.indices.refresh(index=f"{self.settings.index_alias}-*", ignore=[404], allow_no_indices=True)
            return int(es.count(index=f"{self.settings.index_alias}-*", ignore=[404]).get("count", 0))
        except Exception:  # Elasticsearch busy: no count this time
            return -1

    def execute(self, report: Callable[[str], None]) -> tuple[list[Sample], dict[str, Any]]:
        from kafka import KafkaAdminClient, KafkaConsumer

        from pipeline.bulk_sink import sync_client

        subprocess.run(_wirestream("topics"), env=self.env, cwd=ROOT, check=True, capture_output=True, timeout=120)
        worker = self._start("worker", _wirestream("worker"))
        deadline = time.monotonic() + 180
        while not self._worker_ready():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start; see {self.out / 'worker.log'}")
            time.sleep(1)
        self.writer.start()
        connector = self._start(
            "connector",
            _wirestream(
                "replay", str(self.file), "--follow", "--source", self.run, "--instance", self.run, "--batch", "100"
            ),
        )
        from pipeline.kafka_security import kafka_python_options

        security = kafka_python_options(self.settings)
        admin = KafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap, **security)
        consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap, **security)
        es = sync_client(self.settings)
        # the stages after parsing: their topics are not transactional, so a drained worker shows lag 0
        lag_topics = [t for t in (getattr(self.settings, "parsed_topic", None), self.settings.enriched_topic) if t]
        samples: list[Sample] = []
        started = time.monotonic()
        end = started + self.args.minutes * 60
        try:
            while time.monotonic() < end:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited with {process.returncode}; see {self.out / name}.log")
                sample = Sample(
                    seconds=round(time.monotonic() - started, 1),
                    worker_rss_mib=round(rss_mib(worker.pid), 1),
                    connector_rss_mib=round(rss_mib(connector.pid), 1),
                    lag=consumer_lag(admin, consumer, self.settings.app_id, lag_topics),
                    written=self.writer.written,
                    indexed=self._indexed(es),
                )
                samples.append(sample)
                report(
                    f"{sample.seconds:7.0f}s  worker {sample.worker_rss_mib:7.1f} MiB  connector "
                    f"{sample.connector_rss_mib:6.1f} MiB  lag {sample.lag:6d}  written {sample.written:7d}  "
                    f"indexed {sample.indexed:7d}"
                )
                time.sleep(max(0.0, self.args.sample_seconds - (time.monotonic() - started - sample.seconds)))
            self.writer.stop.set()
            self.writer.join(timeout=10)
            drained_at = time.monotonic()
            while self._indexed(es) < self.writer.written and time.monotonic() - drained_at < self.args.drain_seconds:
                time.sleep(2)
            final = {
                "written": self.writer.written,
                "indexed": self._indexed(es),
                "drain_seconds": round(time.monotonic() - drained_at, 1),
                "final_lag": consumer_lag(admin, consumer, self.settings.app_id, lag_topics),
            }
        finally:
            self.writer.stop.set()
            final_stops = self.stop()
            admin.close()
            consumer.close()
            if not self.args.keep:
                self._clean(es)
            es.close()
        return samples, {**final, **final_stops}

    def stop(self) -> dict[str, Any]:
        """SIGTERM both processes (connector first) and time their exits."""
        stops: dict[str, Any] = {}
        for name in ("connector", "worker"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                stops[f"{name}_exit"] = {
                    "code": process.wait(timeout=60),
                    "seconds": round(time.monotonic() - began, 1),
                }
            except subprocess.TimeoutExpired:
                process.kill()
                stops[f"{name}_exit"] = {"code": None, "seconds": None}
        return stops

    def _clean(self, es: Any) -> None:
        """Delete the run's index and template, its topics, Faust's topics for its app id and its consumer group."""
        from tools.benchmark.services import delete_groups, delete_topics

        try:
            indices = es.indices.get(index=f"{self.settings.index_alias}-*", ignore=[404])
            if indices and "error" not in indices:
                es.indices.delete(index=",".join(indices))
            es.indices.delete_index_template(name=self.settings.index_alias, ignore=[404])
        except Exception as exc:  # cleanup is best effort; the index name is in the report
            print(f"soak: could not delete the soak index: {exc!r}", file=sys.stderr)
        delete_topics(self.settings, [f"{self.run}.", f"{self.settings.app_id}-"])
        delete_groups(self.settings, [self.settings.app_id])


def register(commands: argparse._SubParsersAction) -> None:
    soak = commands.add_parser("soak", help="run the pipeline at a steady rate; fail if memory or lag keep growing")
    add_arguments(soak)
    soak.set_defaults(handler=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=20.0, help="length of the run (default 20)")
    parser.add_argument("--rate", type=float, default=25.0, help="stories a second; use half the sustained rate")
    parser.add_argument("--sample-seconds", type=float, default=10.0, help="time between samples (default 10)")
    parser.add_argument("--story-age-hours", type=float, default=73.0, help="how old the stories are (see above)")
    parser.add_argument(
        "--words",
        choices=["zipf", "uniform"],
        default="zipf",
        help="word frequencies of the stories: natural-language (zipf) or all equally rare (uniform: every word a "
        "rare topic term, the worst case for spike alerting)",
    )
    defaults = Limits()
    parser.add_argument(
        "--max-rss-growth-mib",
        type=float,
        default=defaults.rss_growth_mib,
        help="memory growth of a process after the warm-up that fails the run (MiB, or a share of its size if more; "
        f"default {defaults.rss_growth_mib:g})",
    )
    parser.add_argument(
        "--max-lag-growth",
        type=int,
        default=defaults.lag_growth,
        help=f"consumer lag growth after the warm-up that fails the run (messages; default {defaults.lag_growth})",
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=180.0, help="longest wait for the index to catch up at the end"
    )
    parser.add_argument("--worker-port", type=int, help="the worker's /metrics port (default: a free one)")
    parser.add_argument("--out", type=Path, help="folder for logs, samples.csv and report.json (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the soak's index and topics")


def window_fill_seconds() -> float:
    """How long the worker's spike state grows by design before it can level off: one window of hop counts, the
    hop that expires after it, and Faust's table clean-up interval (30 s by default) that drops expired hops.
    Growth before then is the window filling, not a leak; after it, hop counts come and go at the same rate."""
    from pipeline.spikes.config import load_config

    config = load_config()
    return float(config.window_seconds + config.hop_seconds + FAUST_TABLE_CLEANUP_SECONDS)


def _interrupt(signum: int, _: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds through `execute`, which stops the processes it started


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    out = args.out or Path(tempfile.mkdtemp(prefix="wirestream-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    soak = Soak(args, out)
    print(f"soak {soak.run}: {args.minutes:g} min at {args.rate:g} stories/s, samples every {args.sample_seconds:g}s")
    print(f"soak: logs and report in {out}", flush=True)
    samples, final = soak.execute(lambda line: print(line, flush=True))
    with (out / "samples.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Sample.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(sample) for sample in samples)
    limits = Limits(
        rss_growth_mib=args.max_rss_growth_mib, lag_growth=args.max_lag_growth, warmup_seconds=window_fill_seconds()
    )
    verdict = analyse(samples, limits)
    if final["indexed"] != final["written"]:
        verdict.ok = False
        verdict.failures.append(f"{final['written']} stories written, {final['indexed']} indexed after the drain")
    for name in ("connector_exit", "worker_exit"):
        if (final.get(name) or {}).get("code") != 0:
            verdict.ok = False
            verdict.failures.append(f"{name.split('_')[0]} did not exit cleanly on SIGTERM: {final.get(name)}")
    report = {
        "run": soak.run,
        "minutes": args.minutes,
        "rate": args.rate,
        "words": args.words,
        "ok": verdict.ok,
        "failures": verdict.failures,
        **verdict.figures,
        **final,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 0 if verdict.ok else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.soak` (deploy/local/soak) works without the `wirestream soak` entry point installed."""
    import logging

    parser = argparse.ArgumentParser(prog="wirestream soak", description=__doc__)
    add_arguments(parser)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.ERROR)  # "group_id is None" for the lag reader, every run
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
