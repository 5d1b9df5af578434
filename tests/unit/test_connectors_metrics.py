import yaml

from connectors.metrics import DEFAULT_PORTS, port_for, serve
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.listening import free_port, listening_addresses
from tests.metrics_page import scrape


def test_each_connector_has_its_own_default_port() -> None:
    settings = Settings(connector_metrics_port=None)
    ports = {name: port_for(name, settings, None) for name in DEFAULT_PORTS}
    assert len(set(ports.values())) == len(ports)
    assert ports["replay"] == 19108


def test_the_flag_beats_the_environment_which_beats_the_default() -> None:
    assert port_for("feeds", Settings(connector_metrics_port=19111), None) == 19111
    assert port_for("feeds", Settings(connector_metrics_port=19111), 0) == 0
    assert port_for("feeds", Settings(connector_metrics_port=None), 9999) == 9999


def test_local_prometheus_scrapes_every_default_connector_port() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "local" / "prometheus" / "prometheus.yml").read_text())
    [job] = [job for job in config["scrape_configs"] if job["job_name"] == "wirestream-connectors"]
    targets = {target for static in job["static_configs"] for target in static["targets"]}
    assert {f"127.0.0.1:{port}" for port in DEFAULT_PORTS.values()} <= targets


def test_connector_metrics_listen_on_loopback_unless_configured() -> None:
    default = Settings.model_fields["connector_metrics_host"].default
    assert default == "127.0.0.1"
    port = free_port()
    serve(port, default)  # a daemon thread, gone with the test process
    assert listening_addresses(port) == {"127.0.0.1"}
    assert "wirestream_connector_items_sent" in scrape(f"http://127.0.0.1:{port}/metrics")
