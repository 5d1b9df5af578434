"""Kafka SASL over TLS for real: a broker of the project's own Kafka jars with a SASL_SSL listener (PLAIN, a CA
and a broker certificate made by openssl), reached through the settings by both client stacks: kafka-python
(`wirestream topics`, the replay connector with its transactional positions) and aiokafka configured through
Faust's own mapping of the credentials `pipeline.kafka_security.faust_options` builds for the worker."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.kafka_security import faust_options
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.faults.harness import CaseFailed, Outcome, wait_for, wirestream
from tools.synthetic import jsonl, ninjs_story

PORT = int(os.environ.get("FAULTS_SASL_PORT", "19292"))  # SASL_SSL for clients; +1 the broker's own, +2 controller
PASSWORD = "wire-" + uuid.uuid4().hex


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


def make_certificates(folder: Path) -> None:
    """A CA, and a broker certificate it signed for 127.0.0.1 and localhost; PEM, key in PKCS#8."""
    _openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=wirestream-test-ca")  # fmt: skip
    _openssl(folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
             "-subj", "/CN=localhost")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(folder, "x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "broker.crt", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    (folder / "broker.pem").write_text((folder / "broker.key").read_text() + (folder / "broker.crt").read_text())


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A KRaft broker whose only client listener is SASL_SSL with PLAIN users `admin` and `wire`."""
    java = shutil.which("java")
    lib = ROOT / ".state" / "kafka" / "lib"
    if java is None or shutil.which("openssl") is None or not lib.is_dir():
        pytest.fail("needs java, openssl and the Kafka jars (deploy/local/services up kafka resolves them)")
    if not all(_free(port) for port in (PORT, PORT + 1, PORT + 2)):
        pytest.fail(f"ports {PORT}-{PORT + 2} are taken; set FAULTS_SASL_PORT")
    folder = tmp_path_factory.mktemp("sasl-kafka")
    make_certificates(folder)
    jaas = (
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
        f'password="{PASSWORD}-admin" user_admin="{PASSWORD}-admin" user_wire="{PASSWORD}";'
    )
    properties = folder / "server.properties"
    properties.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers=127.0.0.1:{PORT + 2}",
                f"listeners=SASL_SSL://127.0.0.1:{PORT},INTERNAL://127.0.0.1:{PORT + 1},"
                f"CONTROLLER://127.0.0.1:{PORT + 2}",
                f"advertised.listeners=SASL_SSL://127.0.0.1:{PORT},INTERNAL://127.0.0.1:{PORT + 1}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=INTERNAL",
                "sasl.enabled.mechanisms=PLAIN",
                f"listener.name.sasl_ssl.plain.sasl.jaas.config={jaas}",
                "ssl.keystore.type=PEM",
                f"ssl.keystore.location={folder / 'broker.pem'}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={folder / 'ca.crt'}",
                f"log.dirs={folder / 'data'}",
                "num.partitions=2",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "",
            ]
        )
    )
    classpath = f"{lib}/*"
    log = folder / "kafka.log"
    subprocess.run(
        [java, "-cp", classpath, "kafka.tools.StorageTool", "format", "--standalone", "-t", "Wq3x0sT7Rz2Lp9Yb4Kc1Ng",
         "-c", str(properties)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with log.open("wb") as out:
        broker = subprocess.Popen(
            [java, "-Xms256m", "-Xmx384m", f"-Dlog4j2.configurationFile={ROOT}/deploy/local/kafka/log4j2.yaml",
             "-cp", classpath, "kafka.Kafka", str(properties)],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(lambda: "Kafka Server started" in log.read_text(errors="replace") or broker.poll() is not None,
                 timeout=120, what="the SASL_SSL broker")  # fmt: skip
        if broker.poll() is not None:
            pytest.fail(f"the SASL_SSL broker exited:\n{log.read_text()[-3000:]}")
        yield folder
    finally:
        broker.terminate()
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()


def client_env(folder: Path, password: str = PASSWORD) -> dict[str, str]:
    run = f"s{uuid.uuid4().hex[:6]}"
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("WIRESTREAM_")}
    return {
        **inherited,
        "WIRESTREAM_KAFKA_BOOTSTRAP": f"127.0.0.1:{PORT}",
        "WIRESTREAM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "WIRESTREAM_KAFKA_SASL_MECHANISM": "PLAIN",
        "WIRESTREAM_KAFKA_SASL_USERNAME": "wire",
        "WIRESTREAM_KAFKA_SASL_PASSWORD": password,
        "WIRESTREAM_KAFKA_SSL_CAFILE": str(folder / "ca.crt"),
        "WIRESTREAM_RAW_TOPIC": f"{run}.stories.raw",
        "WIRESTREAM_POSITIONS_TOPIC": f"{run}.positions",
        "WIRESTREAM_APP_ID": f"wirestream-{run}",
    }


def settings_of(env: dict[str, str]) -> Settings:
    values = {name.removeprefix("WIRESTREAM_").lower(): value for name, value in env.items()}
    return Settings(**{name: value for name, value in values.items() if name in Settings.model_fields})


async def consume_with_faust_credentials(settings: Settings, topic: str, expect: int) -> list[bytes]:
    """aiokafka configured exactly as Faust configures it from `broker_credentials`."""
    from aiokafka import AIOKafkaConsumer
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    auth = credentials_to_aiokafka_auth(faust_options(settings)["broker_credentials"])
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.app_id,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **auth,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + 60
        while len(values) < expect and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                values.extend(record.value for record in records)
    finally:
        await consumer.stop()
    return values


@pytest.mark.timeout(240)
def test_both_client_stacks_reach_a_sasl_ssl_broker_through_the_settings(sasl_broker: Path, tmp_path: Path) -> None:
    from tests.faults.conftest import RESULTS

    started = time.monotonic()
    env = client_env(sasl_broker)
    settings = settings_of(env)
    topics = subprocess.run(wirestream("topics"), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert topics.returncode == 0, topics.stderr[-2000:]
    assert settings.raw_topic in topics.stdout

    stories = [ninjs_story("sasl", n) for n in range(20)]
    (tmp_path / "s.jsonl").write_bytes(jsonl(stories))
    replay = subprocess.run(
        wirestream("replay", str(tmp_path / "s.jsonl"), "--source", "sasl", "--metrics-port", "0"),
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert '"sent": 20' in replay.stdout

    values = asyncio.run(consume_with_faust_credentials(settings, settings.raw_topic, expect=20))
    assert sorted(values) == sorted(jsonl([story]).strip() for story in stories)

    wrong = "wrong-" + uuid.uuid4().hex
    refused = subprocess.run(
        wirestream("topics"), env=client_env(sasl_broker, password=wrong), cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "Authentication failed" in refused.stderr or "SaslAuthenticationFailed" in refused.stderr
    assert wrong not in refused.stdout + refused.stderr, "a refused password is not logged either"
    for output in (topics.stdout, topics.stderr, replay.stdout, replay.stderr):
        assert PASSWORD not in output
    outcome = Outcome("kafka-sasl-ssl", sent=20, indexed=None, dead_lettered=0, lost=20 - len(values), duplicated=0)
    outcome.seconds = time.monotonic() - started
    outcome.notes.update({"consumed_via_faust_credentials": len(values), "wrong_password": "refused"})
    RESULTS.append(outcome)
    print("\n" + outcome.line())
    if outcome.lost:
        raise CaseFailed(outcome.line())
