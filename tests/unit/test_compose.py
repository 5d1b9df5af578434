"""Static checks of the Docker Compose deployment (no Docker engine needed).

The compose file must stay runnable as written: pinned official images (Kafka at the local broker's version,
Elasticsearch on the newest patched 7.17), health checks, declared volumes, a scalable worker, documented
variables, topics made by a one-shot job before any client runs (the broker creates none), every connector and
the alert sink running and scraped, memory limits with JVM heaps inside them, valid Prometheus/Alertmanager
configuration and a dashboard that only queries Wirestream metrics.
"""

import argparse
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from connectors import cli as connectors_cli
from connectors.metrics import DEFAULT_PORTS
from pipeline.settings import Settings
from tests.conftest import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "wirestream.json"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
# ${NAME}, ${NAME:-default}, ${NAME:?error}; `$${...}` is an escape for the container's shell
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?")
DEFAULTED = re.compile(r"(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}")
# The only publishers third-party images may come from: each project's own official image.
OFFICIAL_IMAGES = {
    "apache/kafka",
    "docker.elastic.co/elasticsearch/elasticsearch",
    "prom/prometheus",
    "prom/alertmanager",
    "grafana/grafana",
}
SIZES = {"k": 2**10, "m": 2**20, "g": 2**30}
# The long-running services' limits together leave room for the operating system on an 8 GB host.
SMALL_HOST_BUDGET = 7 * 2**30


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def image_tag(image: str) -> str:
    """The tag of `registry/name:tag`; empty when there is none (a registry port is not a tag)."""
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else ""


def image_of(services: dict, service: str) -> str:
    return services[service]["image"]


def one_shot(services: dict) -> set[str]:
    """Services others wait for to finish (depends_on ... condition: service_completed_successfully)."""
    return {
        name
        for spec in services.values()
        for name, dependency in (spec.get("depends_on") or {}).items()
        if isinstance(dependency, dict) and dependency.get("condition") == "service_completed_successfully"
    }


def volume_sources(spec: dict) -> list[tuple[str, str]]:
    """(kind, source) of each volume a service mounts: kind is "bind" or "volume"."""
    mounts = []
    for volume in spec.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume["type"], volume["source"]))
        else:
            source = volume.split(":")[0]
            mounts.append(("bind" if source.startswith((".", "/", "~")) else "volume", source))
    return mounts


def with_defaults(value: str) -> str:
    """A compose value as it is with nothing set in .env: each ${NAME:-default} replaced by its default."""
    return DEFAULTED.sub(lambda match: match.group(1), value)


def size_in_bytes(size: str | int) -> int:
    """Compose's byte sizes: 512m, 2g, 1536m, or a plain number of bytes."""
    number, unit = re.fullmatch(r"(\d+)\s*([kmg]?)b?", str(size).lower()).groups()
    return int(number) * SIZES.get(unit, 1)


def memory_limit(spec: dict) -> int | None:
    """The service's memory limit in bytes (mem_limit or deploy.resources.limits.memory), None without one."""
    limit = spec.get("mem_limit") or spec.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
    return size_in_bytes(with_defaults(str(limit))) if limit else None


def wirestream_command(spec: dict) -> str | None:
    """The `wirestream` subcommand a service runs, None for other programs."""
    command = spec.get("command") or []
    return command[1] if len(command) > 1 and command[0] == "wirestream" else None


def connector_services(services: dict) -> dict[str, str]:
    """Service name -> connector it runs (replay, feeds, watch, push)."""
    return {
        name: wirestream_command(spec) for name, spec in services.items() if wirestream_command(spec) in DEFAULT_PORTS
    }


def folders_made_for_the_user() -> set[str]:
    """Folders deploy/Dockerfile creates owned by the image's user (`install -d -o wirestream ...`)."""
    made = re.findall(r"install -d -o wirestream -g wirestream ((?:\S+ ?)+)", DOCKERFILE.read_text())
    return {folder for line in made for folder in line.split()}


def image_environment() -> dict[str, str]:
    """ENV settings of deploy/Dockerfile (one NAME=value a line)."""
    return dict(re.findall(r"^ENV\s+([A-Z_]+)=(\S+)$", DOCKERFILE.read_text(), re.M))


def local_version(pom: str, prop: str) -> str:
    root = ET.parse(ROOT / "deploy" / "local" / pom / "pom.xml").getroot()
    return root.find(f"m:properties/m:{prop}", POM_NS).text.strip()


def test_compose_parses(compose) -> None:
    assert compose["services"], "no services"


def test_every_image_is_pinned(services) -> None:
    images = {name: spec["image"] for name, spec in services.items() if "image" in spec}
    assert set(images) == set(services), "every service names its image (built ones too, with a version tag)"
    for name, image in images.items():
        tag = image_tag(image)
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
        assert "build" in services[name] or image.rpartition(":")[0] in OFFICIAL_IMAGES, (
            f"{name}: {image} is not official"
        )
    base = re.search(r"^FROM\s+(\S+)", (ROOT / "deploy" / "Dockerfile").read_text(), re.M).group(1)
    assert re.search(r"\d", image_tag(base)), f"deploy/Dockerfile: {base} is not pinned to a version"


def test_long_running_services_have_health_checks(services) -> None:
    for name in set(services) - one_shot(services):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_named_volumes_are_declared(compose, services) -> None:
    declared = set(compose.get("volumes") or {})
    for name, spec in services.items():
        for kind, source in volume_sources(spec):
            assert kind != "volume" or source in declared, f"{name}: volume {source} is not declared"


def test_repository_mounts_and_build_files_exist(services) -> None:
    for name, spec in services.items():
        for kind, source in volume_sources(spec):
            assert kind != "bind" or (ROOT / source).exists(), f"{name}: {source} does not exist"
        if build := spec.get("build"):
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), f"{name}: no {build['dockerfile']}"


def test_worker_scales(services) -> None:
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed name stops `--scale worker=N`"
    assert "ports" not in worker, "a published port stops `--scale worker=N`; Prometheus scrapes it inside"


def test_built_image_version_is_the_package_version(services) -> None:
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert image_tag(image_of(services, "worker")) == version
    for name, spec in services.items():
        if wirestream_command(spec) or "build" in spec:
            assert spec["image"] == image_of(services, "worker"), f"{name} runs another Wirestream image"
            assert spec.get("build", {}).get("dockerfile") == "deploy/Dockerfile", name


def test_kafka_matches_the_local_broker(services) -> None:
    assert image_tag(image_of(services, "kafka")) == local_version("kafka", "kafka.version")


def test_elasticsearch_is_the_newest_patched_7_17_and_speaks_to_the_client(services) -> None:
    """7.10 is end of life and ships log4j 2.11.1; 7.17 has a patched log4j, and 7.17.29 was its newest release
    when this was written (a floor: never go back). The pinned Python client (elasticsearch 7.13) talks to any 7.x
    server of its minor or later."""
    image = image_of(services, "elasticsearch")
    pinned = re.fullmatch(r"docker\.elastic\.co/elasticsearch/elasticsearch:7\.17\.(\d+)", image)
    assert pinned and int(pinned.group(1)) >= 29, f"{image} is not a patched 7.17 release"
    assert image_of(services, "es-certs") == image_of(services, "es-setup") == image
    client = re.search(r'"elasticsearch\[async\]==(\d+)\.(\d+)\.', (ROOT / "pyproject.toml").read_text())
    assert client and int(client.group(1)) == 7 and int(client.group(2)) <= 17, "the client must be 7.x up to 7.17"


@pytest.mark.parametrize(
    ("service", "binaries"),
    [("prometheus", ["prometheus"]), ("alertmanager", ["prometheus-alertmanager", "alertmanager"])],
)
def test_prometheus_tools_match_the_local_packages(services, service, binaries) -> None:
    binary = next(filter(None, map(shutil.which, binaries)), None)  # Debian names Alertmanager's binary apart
    if binary is None:
        pytest.skip(f"{service} is not installed here")
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    local = re.search(r"version (\d+\.\d+\.\d+)", output.stdout + output.stderr).group(1)
    assert image_tag(image_of(services, service)) == f"v{local}"


def test_every_variable_is_documented(services) -> None:
    documented = set(re.findall(r"^#?\s*([A-Za-z_][A-Za-z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    text = COMPOSE_FILE.read_text()
    required = {name for name, operator in VARIABLE.findall(text) if operator in ("", "?", ":?")}
    defaulted = {name for name, _ in VARIABLE.findall(text)} - required
    passed_on = {
        key for spec in services.values() for key, value in (spec.get("environment") or {}).items() if value is None
    }
    assert required - documented == set(), "variables without a default must be in .env.example"
    assert (defaulted | passed_on) - documented == set(), ".env.example documents every variable compose reads"


def test_scrape_targets_match_the_services(services) -> None:
    """Prometheus scrapes exactly the connector services, each at its metrics port, and every worker replica."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"wirestream-worker", "wirestream-connectors"}
    worker_sd = jobs["wirestream-worker"]["dns_sd_configs"][0]
    assert worker_sd["names"] == ["worker"] and worker_sd["type"] == "A"
    assert str(worker_sd["port"]) == str(services["worker"]["environment"]["WIRESTREAM_WORKER_WEB_PORT"])
    targets = [target for static in jobs["wirestream-connectors"]["static_configs"] for target in static["targets"]]
    for target in targets:
        host = target.rsplit(":", 1)[0]
        assert host in services, f"Prometheus scrapes {target}, but there is no service {host}"
    expected = {
        f"{name}:{services[name]['environment']['WIRESTREAM_CONNECTOR_METRICS_PORT']}"
        for name in connector_services(services)
    }
    assert sorted(targets) == sorted(expected)


def test_every_connector_runs_with_its_metrics_port(services) -> None:
    """One service for each connector command of `wirestream`, serving /metrics on the connector's own port."""
    commands = argparse.ArgumentParser().add_subparsers()
    connectors_cli.register(commands)
    running = connector_services(services)
    assert sorted(running.values()) == sorted(commands.choices), "a connector command has no service (or two)"
    for name, connector in running.items():
        spec = services[name]
        port = spec["environment"]["WIRESTREAM_CONNECTOR_METRICS_PORT"]
        assert port == DEFAULT_PORTS[connector], f"{name}: the port the local Prometheus scrapes for {connector}"
        assert str(port) in spec["expose"], name
        assert spec["environment"]["WIRESTREAM_CONNECTOR_METRICS_HOST"] == "0.0.0.0", f"{name}: loopback only"
        assert spec["environment"]["WIRESTREAM_KAFKA_BOOTSTRAP"] == "kafka:9092", name


def test_every_wirestream_variable_is_a_setting(services) -> None:
    """A misspelt or renamed WIRESTREAM_* variable would be ignored without a word: each one names a setting."""
    settings = {f"WIRESTREAM_{name.upper()}" for name in Settings.model_fields}
    for name, spec in services.items():
        for key in spec.get("environment") or {}:
            if key.startswith("WIRESTREAM_"):  # a secret may come from a file: WIRESTREAM_<NAME>_FILE
                known = key in settings or key.removesuffix("_FILE") in settings
                assert known, f"{name}: {key} is no setting of pipeline/settings.py"
    for key in image_environment():
        assert not key.startswith("WIRESTREAM_") or key in settings, f"deploy/Dockerfile: {key}"


def test_the_processes_write_only_where_the_image_user_may(compose, services) -> None:
    """The image runs as `wirestream` from a root-owned source directory: the worker keeps its Faust data in the
    user's home, and the folders the watch connector and the alert sink write are named volumes over folders the
    image makes for the user (an empty named volume takes the owner of the folder it is mounted on)."""
    data_dir = services["worker"]["environment"].get("WIRESTREAM_WORKER_DATA_DIR") or image_environment().get(
        "WIRESTREAM_WORKER_DATA_DIR", Settings.model_fields["worker_data_dir"].default
    )
    assert data_dir.startswith("/home/wirestream/"), f"the worker's data directory {data_dir} is not the user's"
    watch = next(name for name, connector in connector_services(services).items() if connector == "watch")
    written = {
        watch: services[watch]["command"][2],
        "alert-sink": services["alert-sink"]["environment"]["WIRESTREAM_ALERT_SINK_FILE"].rpartition("/")[0],
    }
    for name, folder in written.items():
        sources = [volume.split(":")[0] for volume in services[name]["volumes"] if volume.split(":")[1] == folder]
        assert len(sources) == 1 and sources[0] in compose["volumes"], f"{name}: {folder} is not on a named volume"
        assert folder in folders_made_for_the_user(), f"deploy/Dockerfile does not make {folder} for its user"


def test_the_push_connector_needs_its_token_and_listens_on_its_published_port(services) -> None:
    push = next(services[name] for name, connector in connector_services(services).items() if connector == "push")
    settings = push["environment"]
    assert settings["WIRESTREAM_PUSH_TOKEN"].startswith("${WIRESTREAM_PUSH_TOKEN:?"), "refuses to run without one"
    assert settings["WIRESTREAM_PUSH_HOST"] == "0.0.0.0"
    assert [with_defaults(port).rsplit(":", 1)[1] for port in push["ports"]] == [str(settings["WIRESTREAM_PUSH_PORT"])]
    assert f"localhost:{settings['WIRESTREAM_PUSH_PORT']}/healthz" in " ".join(push["healthcheck"]["test"])


# ---- topics ------------------------------------------------------------------------------------------


def test_a_one_shot_job_makes_the_topics_before_any_client_runs(services) -> None:
    topics = services["topics"]
    assert topics["command"] == ["wirestream", "topics"]
    assert topics["image"] == image_of(services, "worker"), "the worker image"
    assert topics["restart"] == "no" and "healthcheck" not in topics
    assert topics["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert topics["environment"]["WIRESTREAM_KAFKA_BOOTSTRAP"] == "kafka:9092"
    clients = ["worker", *connector_services(services)]
    assert len(clients) == 5
    for name in clients:
        assert services[name]["depends_on"].get("topics") == {"condition": "service_completed_successfully"}, name


def test_the_broker_creates_no_topic_itself(services) -> None:
    """An auto-created stories.parsed would get the broker's num.partitions; dedup needs exactly one."""
    settings = services["kafka"]["environment"]
    assert str(settings["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"


# ---- memory ------------------------------------------------------------------------------------------


def test_every_service_has_a_memory_limit_and_they_fit_a_small_host(services) -> None:
    limits = {name: memory_limit(spec) for name, spec in services.items()}
    assert [name for name, limit in limits.items() if not limit] == [], "services without a memory limit"
    long_running = sum(limits[name] for name in set(services) - one_shot(services))
    assert long_running <= SMALL_HOST_BUDGET, f"{long_running / 2**30:.2f} GiB of limits for a small host"


def test_jvm_heaps_are_at_most_half_their_limits(services) -> None:
    """The rest of a JVM container's memory goes to metaspace, direct buffers, threads and the page cache."""
    checked = set()
    for name, spec in services.items():
        for key, value in (spec.get("environment") or {}).items():
            heap = re.search(r"-Xmx(\d+[kmg])", with_defaults(str(value)), re.I)
            if heap:
                checked.add(name)
                assert size_in_bytes(heap.group(1)) * 2 <= memory_limit(spec), f"{name}: {key}={value}"
    assert {"kafka", "elasticsearch"} <= checked, "the broker's and Elasticsearch's heaps are set explicitly"


# ---- alerts ------------------------------------------------------------------------------------------


def test_the_alert_sink_runs_inside_the_compose_network(services) -> None:
    sink = services["alert-sink"]
    settings = sink["environment"]
    assert sink["command"] == ["wirestream", "alert-sink"] and sink["image"] == image_of(services, "worker")
    assert settings["WIRESTREAM_ALERT_SINK_HOST"] == "0.0.0.0"
    port = settings["WIRESTREAM_ALERT_SINK_PORT"]
    assert port == 19095 and str(port) in sink["expose"] and "ports" not in sink
    assert f"localhost:{port}/healthz" in " ".join(sink["healthcheck"]["test"])


def test_alertmanager_sends_every_alert_to_the_alert_sink(services) -> None:
    """Alertmanager reads the repository's config, and each webhook there names the alert-sink service's port."""
    assert (
        "./deploy/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"
        in services["alertmanager"]["volumes"]
    )
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    urls = [hook["url"] for receiver in config["receivers"] for hook in receiver.get("webhook_configs", [])]
    port = services["alert-sink"]["environment"]["WIRESTREAM_ALERT_SINK_PORT"]
    assert urls
    for url in urls:
        assert re.match(rf"http://alert-sink:{port}/", url), f"deploy/alertmanager/alertmanager.yml sends to {url}"


def test_prometheus_config_is_valid(tmp_path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed here")
    # rule_files name the path inside the container; point them at the repository's rules so
    # promtool checks those too, whatever this machine has in /etc/prometheus.
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["rule_files"] = [str(ROOT / "deploy" / "prometheus" / "rules" / "*.yml")]
    checked = tmp_path / "prometheus.yml"
    checked.write_text(yaml.safe_dump(config))
    result = subprocess.run([promtool, "check", "config", str(checked)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rules found" in result.stdout, "the repository's alert rules were not loaded"


def test_alertmanager_config_is_valid() -> None:
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is not installed here")
    result = subprocess.run([amtool, "check-config", str(ALERTMANAGER_CONFIG)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not functions, keywords or labels."""
    expr = re.sub(r'"[^"]*"', "", expr)  # strings
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)  # label matchers, ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    names = re.findall(r"(?<![\w$])([A-Za-z_:][\w:]*)\b(?!\s*\()", expr)
    return {name for name in names if name not in {"and", "or", "unless", "offset", "bool", "inf", "nan"}}


def test_dashboard_queries_wirestream_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert "Wirestream" in dashboard["description"]
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    for expr in exprs:
        names = metric_names(expr)
        assert names, f"no metric in {expr!r}"
        assert all(name.startswith("wirestream_") for name in names), f"{expr!r} queries {sorted(names)}"


@pytest.mark.parametrize(
    "path",
    [
        "docker-compose.yml",
        ".env.example",
        ".dockerignore",
        "deploy/Dockerfile",
        "deploy/prometheus/prometheus.yml",
        "deploy/alertmanager/alertmanager.yml",
        "deploy/grafana/provisioning/datasources/prometheus.yml",
        "deploy/grafana/provisioning/dashboards/wirestream.yml",
    ],
)
def test_files_say_where_they_come_from(path) -> None:
    assert (ROOT / path).read_text().startswith("# Written for Wirestream"), path


# ---- security ------------------------------------------------------------------------------------------

SECRET_WORDS = ("PASSWORD", "TOKEN", "API_KEY", "SECRET")


def test_elasticsearch_security_is_on_with_tls_to_the_cluster(services) -> None:
    settings = services["elasticsearch"]["environment"]
    assert settings["xpack.security.enabled"] == "true"
    for layer in ("http", "transport"):
        assert settings[f"xpack.security.{layer}.ssl.enabled"] == "true", layer
        assert settings[f"xpack.security.{layer}.ssl.certificate_authorities"] == "certs/ca/ca.crt", layer
        assert settings[f"xpack.security.{layer}.ssl.key"].startswith("certs/"), layer
    assert settings["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD:?"), "the superuser password is required"
    assert ("volume", "es-certs") in volume_sources(services["elasticsearch"])


def test_the_certificates_come_from_elasticsearch_certutil(services) -> None:
    script = " ".join(services["es-certs"]["command"])
    assert "elasticsearch-certutil ca" in script and "elasticsearch-certutil cert" in script
    assert "--dns elasticsearch" in script, "the node certificate names the host the pipeline connects to"
    assert "es-certs" in one_shot(services)


def test_secrets_come_only_from_the_environment(services) -> None:
    """No password, token or key is written into the compose file: each is required from .env or passed on."""
    for name, spec in services.items():
        for key, value in (spec.get("environment") or {}).items():
            if any(word in key.upper() for word in SECRET_WORDS):
                assert value is None or re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value)), f"{name}: {key}={value!r}"
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(), re.M))
    for key in ("ELASTIC_PASSWORD", "WIRESTREAM_ES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD", "WIRESTREAM_PUSH_TOKEN"):
        assert example.get(key) == "", f".env.example must leave {key} empty for the user to set"


def test_the_pipeline_logs_in_as_its_own_user_over_tls_with_the_ca_bundle(services) -> None:
    worker = services["worker"]
    settings = worker["environment"]
    assert settings["WIRESTREAM_ES_URL"].startswith("https://")
    assert settings["WIRESTREAM_ES_USERNAME"] == "wirestream", "not the elastic superuser"
    assert settings["WIRESTREAM_ES_PASSWORD"].startswith("${WIRESTREAM_ES_PASSWORD:?")
    ca = settings["WIRESTREAM_ES_CA_CERTS"]
    mounts = [volume for volume in worker["volumes"] if volume.startswith("es-certs:")]
    assert mounts and ca.startswith(mounts[0].split(":")[1] + "/"), "the CA bundle is in the mounted es-certs volume"
    assert worker["depends_on"]["es-setup"] == {"condition": "service_completed_successfully"}


def test_es_setup_gives_the_pipeline_user_only_the_story_and_alert_indices(services, tmp_path) -> None:
    """Run es-setup's script (as compose hands it to the container's shell) against a recording curl: the role
    covers the alias, its monthly indices and the alerts index only, and any password arrives JSON-escaped."""
    script = services["es-setup"]["command"][-1].replace("$$", "$")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorder = bin_dir / "curl"
    recorder.write_text(
        '#!/usr/bin/env bash\nwhile (($#)); do case $1 in -d) printf "%s\\0" "$2" >> "$LOG"; shift 2;; '
        '-X) shift 2;; *) [[ $1 == https://* ]] && printf \'%s\\0\' "$1" >> "$LOG"; shift;; esac; done\n'
    )
    recorder.chmod(0o755)
    log = tmp_path / "requests"
    password = "pa\"ss\\wo rd$`x`'{}"
    environment = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LOG": str(log),
        "ELASTIC_PASSWORD": "superuser",
        "WIRESTREAM_ES_PASSWORD": password,
        "INDEX_ALIAS": "news",
        "ALERTS_INDEX": "spikes",
    }
    subprocess.run(["bash", "-ec", script], env=environment, check=True, capture_output=True)
    url_role, role, url_user, user = log.read_text().split("\0")[:4]
    assert url_role.endswith("/_security/role/wirestream_writer") and url_user.endswith("/_security/user/wirestream")
    [indices] = json.loads(role)["indices"]
    assert indices["names"] == ["news", "news-*", "spikes"]
    assert {"create_index", "write", "read"} <= set(indices["privileges"]), "the worker creates and writes both"
    setup = services["es-setup"]["environment"]
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert setup["ALERTS_INDEX"] == f"${{WIRESTREAM_ALERTS_INDEX:-{defaults['alerts_index']}}}", "the worker's default"
    assert setup["INDEX_ALIAS"] == f"${{WIRESTREAM_INDEX_ALIAS:-{defaults['index_alias']}}}", "the worker's default"
    assert {"WIRESTREAM_ALERTS_INDEX", "WIRESTREAM_INDEX_ALIAS"} <= set(services["worker"]["environment"])
    assert set(json.loads(role)["cluster"]) == {"monitor", "manage_index_templates"}
    assert json.loads(user) == {"password": password, "roles": ["wirestream_writer"]}


def test_published_ports_bind_to_localhost_by_default(services) -> None:
    for name, spec in services.items():
        for port in spec.get("ports", []):
            assert str(port).startswith("${HOST_BIND:-127.0.0.1}:"), f"{name}: {port} is open to the network"
