"""Settings for every Wirestream process, read from WIRESTREAM_* environment variables.

Defaults point at the local services started by `deploy/local/services`; Docker Compose overrides them.
Secrets (passwords, API keys, tokens) are `SecretStr` so they never appear in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_", env_file=None, extra="ignore")

    # The config folder (dedup.toml, spikes.toml, gazetteers/, elasticsearch/, feeds.toml; pipeline/config_dir.py).
    # Unset: the source tree's config/ beside the packages (a checkout or `pip install -e`); the Docker image sets it.
    config_dir: str | None = None

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    raw_topic: str = "stories.raw"
    # Parsed and tagged stories on their way to dedup: one partition, so one dedup table sees every story.
    parsed_topic: str = "stories.parsed"
    enriched_topic: str = "stories.enriched"
    dlq_topic: str = "stories.dlq"
    topic_partitions: int = 4
    # Largest message on the pipeline's topics (their max.message.bytes, the worker's producer request size): room
    # for a story at max_story_bytes as its record, with tags and headers.
    topic_max_message_bytes: int = 8 * 1024 * 1024

    # Faust worker
    app_id: str = "wirestream"
    worker_web_port: int = 6066
    worker_web_host: str = "127.0.0.1"
    # Faust's own files: table metadata, and the dedup state on disk (its tables also live in Kafka changelogs).
    worker_data_dir: str = ".state/faust"
    index_batch_size: int = 500
    index_batch_seconds: float = 0.5
    # How long the group waits for a worker that stopped heartbeating (killed, frozen) before handing its
    # partitions to the others; Faust's default of 60 s leaves them idle that long.
    worker_session_timeout: float = 15.0
    # Parse and tag run in a process pool (pipeline/parse_pool.py): processes (0: one a core), items in flight at
    # once (0: four a process), and each item's time budget, past which it is dead-lettered (over_time_budget).
    parse_processes: int = 0
    parse_in_flight: int = 0
    item_time_budget_seconds: float = 20.0
    # Dedup (thresholds and window in config/dedup.toml): how often the worker drops stories past the window.
    dedup_evict_seconds: float = 60.0
    # Where the dedup state lives: "disk" (RocksDB in the worker's data directory, memory bounded whatever the
    # window holds; tables still changelog-backed) or "memory" (about 12 KB of worker memory a stored story).
    dedup_state: Literal["disk", "memory"] = "disk"

    # Elasticsearch
    es_url: str = "http://127.0.0.1:9250"
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_api_key: SecretStr | None = None
    es_ca_certs: str | None = None
    index_alias: str = "stories"
    index_refresh_interval: str = "1s"

    # Connectors
    # One /metrics port for whichever connector this process runs; unset, each connector has its own
    # default (replay 19108, feeds 19109, watch 19110, push 19111: the ports Prometheus scrapes).
    connector_metrics_port: int | None = None
    # Where connectors serve /metrics: loopback unless set (0.0.0.0 in a container Prometheus scrapes from outside).
    connector_metrics_host: str = "127.0.0.1"
    max_story_bytes: int = 2_000_000
    # Compacted topic holding connector positions, written in the same transaction as the items.
    positions_topic: str = "connectors.positions"
    # HTTP push endpoint (`wirestream push`): it refuses to start without a token.
    push_token: SecretStr | None = None
    # Plain HTTP: loopback unless set; anything wider belongs behind a TLS-terminating proxy.
    push_host: str = "127.0.0.1"
    push_port: int = 8088
    push_max_bytes: int = 10_000_000
    # Stories in one request: bounds the Kafka records and the per-story answer a request can cause.
    push_max_stories: int = 10_000
    # Per client with a good token; requests without one have their own, stricter buckets.
    push_rate_per_second: float = 20.0
    push_burst: int = 40
    push_anonymous_rate_per_second: float = 1.0
    push_anonymous_burst: int = 10
    # Comma-separated proxy addresses or CIDRs whose X-Forwarded-For names the client; empty: the peer is the client.
    push_trusted_proxies: str = ""
    # How long a Kafka check (for /healthz and POST) is reused, and how long a POST waits for Kafka's acks.
    push_kafka_check_seconds: float = 5.0
    push_publish_timeout_seconds: float = 10.0

    # Spike alerting (pipeline/spikes): alert records go to this topic and into this Elasticsearch index.
    spikes_topic: str = "alerts.spikes"
    alerts_index: str = "alerts"

    # Alert sink (`wirestream alert-sink`, pipeline/alert_sink.py): the webhook Alertmanager posts to, and the
    # JSON-lines file it keeps every notification in.
    alert_sink_host: str = "127.0.0.1"
    alert_sink_port: int = 19095
    alert_sink_file: str = ".state/alerts/notifications.jsonl"

    # Security (pipeline/kafka_security.py, README "Security"): Kafka TLS client certificate and key (one PEM
    # file may hold both), the key's password, and whether the broker's name must match its certificate.
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    kafka_ssl_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Secrets may also come from files named by WIRESTREAM_<NAME>_FILE (Docker and Kubernetes secrets)."""
        from pipeline.secrets import SecretFilesSource

        return init_settings, env_settings, SecretFilesSource(settings_cls), dotenv_settings, file_secret_settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """One Settings per process, read once from the environment."""
    return Settings()
