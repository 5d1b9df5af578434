"""The real services as the benchmark uses them: topics, producing and consuming, Elasticsearch bulk baselines,
worker processes, and a poller that sees when stories become searchable.

Nothing here is mocked: every figure comes from the Kafka and Elasticsearch the settings point at. Every name
the benchmark creates (topics, consumer groups, indices, templates) starts with its run id and is deleted at
the end, so runs never see each other's data and shared services keep nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.raw import RawItem
from pipeline.settings import Settings
from tools.benchmark.stats import rate

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("WIRESTREAM_STATE", ROOT / ".state"))
SERVICES = ("kafka", "elasticsearch", "prometheus", "alertmanager")


# --- Kafka --------------------------------------------------------------------------------------------------------


# A larger batch and linger than the publisher's (kafka-python's default 16 KiB batch holds two 8 KB stories):
# measured beside the publisher's options as the lever for connectors.
TUNED_PRODUCER = {"batch_size": 1024 * 1024, "linger_ms": 20}


def producer(settings: Settings, **overrides: Any) -> Any:
    """kafka-python with the options of connectors/publisher.py: acks from all replicas, idempotent, gzip, 5 ms
    linger, 4 MiB requests. Not transactional: the benchmark has no position to commit with the items."""
    from kafka import KafkaProducer

    from connectors.publisher import kafka_security_options

    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": "wirestream-bench",
        "acks": "all",
        "enable_idempotence": True,
        "retries": 2**31 - 1,
        "compression_type": "gzip",
        "linger_ms": 5,
        "max_request_size": 4 * 1024 * 1024,
        **kafka_security_options(settings),
    }
    return KafkaProducer(**{**options, **overrides})


def create_topics(settings: Settings, partitions: dict[str, int]) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(name, count, 1) for name, count in partitions.items()])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


def delete_groups(settings: Settings, prefixes: Sequence[str], timeout: float = 60.0) -> list[str]:
    """Delete every consumer group whose id starts with one of `prefixes` (the run's workers' app ids). A group
    whose last member is still leaving (a worker stopped a moment ago) cannot be deleted yet: tried again until
    `timeout`, so that no group of the run is left behind on the shared broker."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    deadline = time.monotonic() + timeout
    deleted: list[str] = []
    try:
        while True:
            doomed = sorted(g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(tuple(prefixes)))
            if not doomed:
                return deleted
            try:
                outcome = admin.delete_groups(doomed)  # group id → "OK" or the error, per group
                deleted += [group for group in doomed if outcome.get(group) == "OK"]
            except Exception as exc:  # a group not empty yet, most often
                if time.monotonic() >= deadline:
                    raise
                log.info("consumer groups %s not deleted yet: %r", doomed, exc)
            if time.monotonic() >= deadline:
                log.warning("consumer groups left on the broker: %s", doomed)
                return deleted
            time.sleep(1.0)
    except Exception as exc:  # cleaning up must not hide the figures
        log.warning("could not delete consumer groups %s: %r", prefixes, exc)
        return deleted
    finally:
        admin.close()


def delete_topics(settings: Settings, prefixes: Sequence[str]) -> list[str]:
    """Delete every topic whose name starts with one of `prefixes` (the run's own names, Faust's internal
    topics included)."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        doomed = sorted(t for t in admin.list_topics() if any(t.startswith(prefix) for prefix in prefixes))
        if doomed:
            admin.delete_topics(doomed, timeout_ms=30_000)
        return doomed
    except Exception as exc:  # cleaning up must not hide the figures
        log.warning("could not delete topics %s: %r", prefixes, exc)
        return []
    finally:
        admin.close()


def produce_all(settings: Settings, topic: str, items: Sequence[RawItem], **overrides: Any) -> dict[str, Any]:
    """Send every item as fast as the producer takes them, then wait for every acknowledgement."""
    client = producer(settings, **overrides)
    try:
        client.partitions_for(topic)  # connect and fetch metadata before the clock starts
        started = time.perf_counter()
        futures = [
            client.send(topic, key=item.key.encode(), value=item.value, headers=item.headers()) for item in items
        ]
        client.flush()
        seconds = time.perf_counter() - started
    finally:
        client.close()
    failed = sum(1 for future in futures if future.failed())
    size = sum(len(item.value) for item in items)
    return {
        "messages": len(items),
        "failed": failed,
        "seconds": round(seconds, 3),
        "messages_per_second": rate(len(items), seconds),
        "mb_per_second": round(size / seconds / 1e6, 2) if seconds else None,
        "mean_message_bytes": size // max(1, len(items)),
        "client": "kafka-python, acks=all, idempotent, gzip, linger 5 ms (as connectors/publisher.py)",
        "overrides": overrides,
    }


def consume_all(settings: Settings, topic: str, count: int, group: str, timeout: float = 120) -> dict[str, Any]:
    """A plain aiokafka loop over the topic from the start, doing nothing with the messages: the ceiling any
    consumer in Python reaches here. Timed from the first message to the last, so start-up is left out."""

    async def run() -> dict[str, Any]:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        opened = time.perf_counter()
        await consumer.start()
        seen = size = 0
        first = 0.0
        try:
            async with asyncio.timeout(timeout):
                async for message in consumer:
                    if not seen:
                        first = time.perf_counter()
                    seen += 1
                    size += len(message.value or b"")
                    if seen >= count:
                        break
        except TimeoutError:
            pass
        finally:
            await consumer.stop()
        done = time.perf_counter()
        return {
            "messages": seen,
            "seconds": round(done - first, 3),
            "messages_per_second": rate(seen - 1, done - first) if seen > 1 else None,
            "mb_per_second": round(size / (done - first) / 1e6, 2) if seen > 1 else None,
            "seconds_with_startup": round(done - opened, 3),
            "client": "aiokafka, async for loop, no work",
        }

    return asyncio.run(run())


# --- Elasticsearch ------------------------------------------------------------------------------------------------


def es_client(settings: Settings) -> Any:
    from elasticsearch import Elasticsearch

    from pipeline.bulk_sink import client_options

    return Elasticsearch(**{**client_options(settings), "timeout": 60})


def fetch_documents(client: Any, alias: str, limit: int) -> list[dict[str, Any]]:
    """The documents the worker indexed, as Elasticsearch holds them (`_source`)."""
    from elasticsearch.helpers import scan

    docs = []
    for hit in scan(client, index=alias, query={"query": {"match_all": {}}}, size=500):
        docs.append(hit["_source"])
        if len(docs) >= limit:
            break
    return docs


def index_body_like(client: Any, alias: str) -> dict[str, Any]:
    """Mappings and the settings that cost indexing time (shards, replicas, refresh, analysis) of an index of
    the worker's, so the baseline indexes into the same kind of index."""
    indices = client.indices.get(index=alias)
    found = next(iter(indices.values()))
    settings = found["settings"]["index"]
    keep = {key: settings[key] for key in ("number_of_shards", "number_of_replicas", "refresh_interval", "analysis")}
    return {"settings": {"index": {k: v for k, v in keep.items() if v is not None}}, "mappings": found["mappings"]}


def bulk_baseline(
    client: Any,
    docs: Sequence[dict[str, Any]],
    body: dict[str, Any],
    prefix: str,
    *,
    threads: int = 2,
    start_size: int = 100,
    max_size: int = 3200,
    min_docs: int = 2000,
) -> dict[str, Any]:
    """Raw bulk indexing of the pipeline's final documents: bulk sizes doubled from `start_size` until two sizes
    in a row fail to beat the best by 5%, `threads` bulk requests in flight (helpers.parallel_bulk), each trial
    into a fresh index like the worker's and timed until a refresh made everything searchable (where the
    pipeline's clock stops too). Documents are repeated under new ids when a trial needs more than there are."""
    from elasticsearch.helpers import parallel_bulk

    trials: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    size = start_size
    worse = 0
    while size <= max_size and worse < 2:
        wanted = max(min_docs, len(docs), 2 * threads * size)
        index = f"{prefix}-bulk-{size}"
        client.indices.create(index=index, body=body)
        actions = (
            {"_op_type": "index", "_index": index, "_id": f"{n}", "_source": docs[n % len(docs)]} for n in range(wanted)
        )
        started = time.perf_counter()
        failed = 0
        for ok, _ in parallel_bulk(
            client, actions, thread_count=threads, chunk_size=size, queue_size=threads, raise_on_error=False
        ):
            failed += not ok
        client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
        client.indices.delete(index=index)
        trial = {"bulk_size": size, "docs": wanted, "failed": failed, "docs_per_second": rate(wanted, seconds)}
        trials.append(trial)
        # a size counts as better when it beats the best by 5%; two sizes in a row that do not end the doubling
        if best is None or (trial["docs_per_second"] or 0) >= (best["docs_per_second"] or 0) * 1.05:
            best, worse = trial, 0
        else:
            worse += 1
        size *= 2
    assert best is not None
    return {
        "docs_per_second": best["docs_per_second"],
        "bulk_size": best["bulk_size"],
        "concurrent_requests": threads,
        "trials": trials,
        "mean_doc_bytes": sum(len(json.dumps(doc)) for doc in docs) // max(1, len(docs)),
        "client": f"elasticsearch-py parallel_bulk, {threads} threads",
    }


def delete_indices(client: Any, prefix: str, *, templates: Sequence[str] = ()) -> None:
    """Delete the run's indices (all start with its id) and the index templates its workers put."""
    try:  # by name: the cluster may refuse wildcard deletes (action.destructive_requires_name)
        names = sorted(client.indices.get(index=f"{prefix}*", ignore=[404]))
        if names and "error" not in names:
            client.indices.delete(index=",".join(names))
        for name in templates:
            client.indices.delete_index_template(name=name, ignore=[404])
    except Exception as exc:  # cleaning up must not hide the figures
        log.warning("could not delete indices %s*: %r", prefix, exc)


class Visibility:
    """Polls Elasticsearch for story ids until they are searchable, and records when each became so.

    Each poll is an `ids` search on the alias (a search sees only refreshed segments, unlike a GET), issued every
    `interval` seconds for the ids still pending; an id first found by the poll issued at time t is counted
    visible at t. It became searchable between the previous poll and t, so a figure is high by up to `interval`
    (half of it on average) plus the search's own time. Ids come in groups: a group is visible when any of its
    ids is (a story dedup may file under one of several item ids)."""

    def __init__(self, client: Any, alias: str, interval: float = 0.1) -> None:
        self.client = client
        self.alias = alias
        self.interval = interval
        self._pending: dict[str, int] = {}  # id → group
        self._groups: dict[int, list[str]] = {}
        self.visible: dict[int, float] = {}  # group → wall time it was first seen
        self.indexed_at: dict[int, float] = {}  # group → the document's indexed_at (wall time), when it has one
        self.polls = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visibility", daemon=True)

    def __enter__(self) -> Visibility:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def watch(self, group: int, ids: Iterable[str]) -> None:
        with self._lock:
            self._groups[group] = list(ids)
            for story_id in self._groups[group]:
                self._pending[story_id] = group

    def pending(self) -> int:
        with self._lock:
            return len({group for group in self._pending.values()})

    def wait(self, groups: Iterable[int], timeout: float) -> bool:
        wanted = set(groups)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if wanted <= self.visible.keys():
                    return True
            time.sleep(self.interval)
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                ids = list(self._pending)
            if not ids:
                continue
            issued = time.time()
            self.polls += 1
            found: dict[str, float | None] = {}
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                try:
                    result = self.client.search(
                        index=self.alias,
                        body={"query": {"ids": {"values": chunk}}, "_source": ["indexed_at"], "size": len(chunk)},
                        ignore_unavailable=True,
                    )
                except Exception as exc:  # the alias may not exist before the first bulk request
                    log.debug("visibility poll failed: %r", exc)
                    continue
                for hit in result["hits"]["hits"]:
                    found[hit["_id"]] = _epoch(hit.get("_source", {}).get("indexed_at"))
            with self._lock:
                for story_id, indexed_at in found.items():
                    group = self._pending.get(story_id)
                    if group is None:
                        continue
                    self.visible.setdefault(group, issued)
                    if indexed_at is not None:
                        self.indexed_at.setdefault(group, indexed_at)
                    for other in self._groups.get(group, []):
                        self._pending.pop(other, None)


def _epoch(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# --- worker processes ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_env(run_id: str, *, web_port: int, partitions: int, data_dir: Path) -> dict[str, str]:
    """A worker environment of the run's own: topics, consumer group (app id), index alias, web port and Faust
    data directory (one a worker, under the run's log directory)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "WIRESTREAM_APP_ID": f"{run_id}-app",
        "WIRESTREAM_RAW_TOPIC": f"{run_id}.stories.raw",
        "WIRESTREAM_PARSED_TOPIC": f"{run_id}.stories.parsed",
        "WIRESTREAM_ENRICHED_TOPIC": f"{run_id}.stories.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"{run_id}.stories.dlq",
        "WIRESTREAM_INDEX_ALIAS": f"{run_id}-stories",
        "WIRESTREAM_WORKER_WEB_PORT": str(web_port),
        "WIRESTREAM_TOPIC_PARTITIONS": str(partitions),
        "WIRESTREAM_WORKER_DATA_DIR": str(data_dir),
    }


def wirestream(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


class Worker:
    """`wirestream worker` as a child process with its own log; stopped with SIGTERM, as in production."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = int(env["WIRESTREAM_WORKER_WEB_PORT"])
        with log_path.open("wb") as out:
            self.process = subprocess.Popen(
                wirestream("worker", "--loglevel", "warn"), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def metrics(self) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=3) as response:
                return response.read().decode()
        except OSError:
            return ""

    def counter(self, name: str, labels: str = "") -> float:
        """A counter or gauge from the worker's /metrics, summed over its series matching `labels`."""
        return metric_value(self.metrics(), name, labels)

    def wait_ready(self, timeout: float = 180) -> None:
        """Until the worker has joined its group and been given partitions."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.process.returncode}: {self.tail()}")
            if 'wirestream_faust_assignment_operations_total{operation="completed"}' in self.metrics():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the worker did not join its group within {timeout}s: {self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def metric_value(text: str, name: str, labels: str = "") -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{") and labels in line:
            try:
                total += float(line.rsplit(" ", 1)[1])
            except ValueError:
                continue
    return total


def service_pids() -> dict[str, int]:
    """The local services' pids from .state/run/*.pid (deploy/local/services), those that are alive."""
    pids = {}
    for name in SERVICES:
        path = STATE / "run" / f"{name}.pid"
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{pid}").exists():
            pids[name] = pid
    return pids


def run_quietly(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed: {result.stderr[-2000:]}")


def poll_until(check: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False
