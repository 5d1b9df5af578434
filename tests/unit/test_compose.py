"""Static checks of the Docker Compose deployment (no Docker engine needed).

The compose file must stay runnable as written: pinned images at the same versions as the local
services, health checks, declared volumes, a scalable worker, documented variables, valid
Prometheus/Alertmanager configuration and a dashboard that only queries Wirestream metrics.
"""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "wirestream.json"
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
# ${NAME}, ${NAME:-default}, ${NAME:?error}; `$${...}` is an escape for the container's shell
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?")


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
    assert image_of(services, "connector-replay") == image_of(services, "worker")


def test_kafka_matches_the_local_broker(services) -> None:
    assert image_tag(image_of(services, "kafka")) == local_version("kafka", "kafka.version")


def test_elasticsearch_matches_the_local_server(services) -> None:
    runner = local_version("elasticsearch", "runner.version")  # 7.10.2.0: Elasticsearch 7.10.2, runner build 0
    server = runner.rsplit(".", 1)[0]
    assert image_tag(image_of(services, "elasticsearch")) == server
    assert image_tag(image_of(services, "es-certs")) == server


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
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    worker_sd = jobs["wirestream-worker"]["dns_sd_configs"][0]
    assert worker_sd["names"] == ["worker"] and worker_sd["type"] == "A"
    assert str(worker_sd["port"]) == str(services["worker"]["environment"]["WIRESTREAM_WORKER_WEB_PORT"])
    port = services["connector-replay"]["environment"]["WIRESTREAM_CONNECTOR_METRICS_PORT"]
    assert f"connector-replay:{port}" in jobs["wirestream-connectors"]["static_configs"][0]["targets"]


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
    for key in ("ELASTIC_PASSWORD", "WIRESTREAM_ES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"):
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


def test_es_setup_gives_the_pipeline_user_only_the_story_indices(services, tmp_path) -> None:
    """Run es-setup's script (as compose hands it to the container's shell) against a recording curl: the role
    covers the alias and its monthly indices only, and any password arrives JSON-escaped."""
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
    }
    subprocess.run(["bash", "-ec", script], env=environment, check=True, capture_output=True)
    url_role, role, url_user, user = log.read_text().split("\0")[:4]
    assert url_role.endswith("/_security/role/wirestream_writer") and url_user.endswith("/_security/user/wirestream")
    [indices] = json.loads(role)["indices"]
    assert indices["names"] == ["news", "news-*"]
    assert set(json.loads(role)["cluster"]) == {"monitor", "manage_index_templates"}
    assert json.loads(user) == {"password": password, "roles": ["wirestream_writer"]}


def test_published_ports_bind_to_localhost_by_default(services) -> None:
    for name, spec in services.items():
        for port in spec.get("ports", []):
            assert str(port).startswith("${HOST_BIND:-127.0.0.1}:"), f"{name}: {port} is open to the network"
