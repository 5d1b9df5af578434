"""Fixtures of the fault suite: its own servers, one worker for the session, a line of counts per case.

Run it on its own: `pytest tests/faults` (deploy/local/test does, after the other tests). A plain `pytest`
skips it, so the fast suite stays fast. The counts of every case are printed at the end of the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipeline.settings import Settings
from tests.faults.harness import FaultServices, Outcome, Process, Worker, wirestream

FAULTS_DIR = Path(__file__).resolve().parent
RESULTS: list[Outcome] = []
# Sent as Elasticsearch basic-auth password (the fault server ignores it): no log line may ever show it.
SECRET_MARK = "faults-secret-" + uuid.uuid4().hex


def pytest_configure(config: pytest.Config) -> None:
    # the Elasticsearch 7 client's urllib3 call, once a request: noise in the report
    config.addinivalue_line("filterwarnings", "ignore:HTTPResponse.getheaders:DeprecationWarning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run only when asked for by path: `pytest tests/faults` or a file or test in it."""
    asked = any(Path(str(arg).split("::")[0]).resolve().is_relative_to(FAULTS_DIR) for arg in config.args)
    if asked:
        return
    skip = pytest.mark.skip(reason="the fault suite runs on its own: pytest tests/faults (deploy/local/test does)")
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(FAULTS_DIR):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RESULTS:
        terminalreporter.section("fault cases (counts by story id)")
        for outcome in RESULTS:
            terminalreporter.write_line(outcome.line())


@pytest.fixture(scope="session")
def services() -> Iterator[FaultServices]:
    """Kafka and Elasticsearch for this suite alone, started fresh and stopped at the end."""
    servers = FaultServices.from_environment()
    servers.prepare()
    try:
        servers.run("up", "kafka", "elasticsearch")
        yield servers
    finally:
        servers.run("down", "kafka", "elasticsearch")


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fault-logs")


@pytest.fixture(scope="session")
def env(services: FaultServices, logs: Path) -> dict[str, str]:
    """Environment of every pipeline process: the fault servers, and topics, group and alias of this run."""
    run = f"f{uuid.uuid4().hex[:6]}"
    data = logs / "faust"
    data.mkdir(exist_ok=True)
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("WIRESTREAM_")}
    topics = {
        f"WIRESTREAM_{name.upper()}": f"{run}.{info.default}"
        for name, info in Settings.model_fields.items()
        if name.endswith("_topic") and isinstance(info.default, str)
    }
    return {
        **inherited,
        **topics,
        "WIRESTREAM_KAFKA_BOOTSTRAP": services.kafka_bootstrap,
        "WIRESTREAM_ES_URL": services.es_url,
        "WIRESTREAM_ES_USERNAME": "faults",
        "WIRESTREAM_ES_PASSWORD": SECRET_MARK,
        "WIRESTREAM_APP_ID": f"wirestream-{run}",
        "WIRESTREAM_INDEX_ALIAS": f"{run}-stories",
        "WIRESTREAM_WORKER_WEB_PORT": os.environ.get("FAULTS_WORKER_PORT", "6172"),
        "WIRESTREAM_INDEX_BATCH_SECONDS": "0.2",
        "WIRESTREAM_MAX_STORY_BYTES": "50000",
        "WIRESTREAM_WORKER_DATA_DIR": str(data),
        # A killed worker's partitions go to its successor after 10 s (Faust's own default is 60 s): operations
        # tuning only, nothing is lost either way. Faust reads BROKER_HEARTBEAT_INTERVAL itself.
        "WIRESTREAM_WORKER_SESSION_TIMEOUT": "10",
        "BROKER_SESSION_TIMEOUT": "10",
        "BROKER_HEARTBEAT_INTERVAL": "1",
    }


@pytest.fixture(scope="session")
def settings(env: dict[str, str]) -> Settings:
    values = {name.removeprefix("WIRESTREAM_").lower(): value for name, value in env.items()}
    return Settings(**{name: value for name, value in values.items() if name in Settings.model_fields})


@pytest.fixture(scope="session")
def es(settings: Settings) -> Iterator[Elasticsearch]:
    client = Elasticsearch(settings.es_url, timeout=30, max_retries=5, retry_on_timeout=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def worker(env: dict[str, str], logs: Path) -> Iterator[Worker]:
    """The session's worker; a case that kills it starts it again. Its log must never hold the secret."""
    import subprocess

    subprocess.run(wirestream("topics"), env=env, check=True, capture_output=True, timeout=120)
    process = Worker(env, logs)
    process.start_ready()
    yield process
    process.stop()
    for log in logs.glob("*.log"):
        assert SECRET_MARK not in log.read_text(errors="replace"), f"{log.name} shows a secret"


@pytest.fixture
def ready_worker(worker: Worker) -> Worker:
    """The worker, running and in its group (started again if an earlier case left it down)."""
    if not worker.alive():
        worker.start_ready()
    return worker


@pytest.fixture
def record() -> Iterator[list[Outcome]]:
    """Outcomes a case records are printed now (visible with -s) and in the summary at the end."""
    recorded: list[Outcome] = []
    yield recorded
    for outcome in recorded:
        print("\n" + outcome.line())
        RESULTS.append(outcome)


@pytest.fixture
def connectors() -> Iterator[list[Process]]:
    """Connectors a case starts; any still running at the end are stopped."""
    started: list[Process] = []
    yield started
    for process in started:
        process.stop(timeout=30)
