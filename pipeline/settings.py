"""Settings for every Wirestream process, read from WIRESTREAM_* environment variables.

Defaults point at the local services started by `deploy/local/services`; Docker Compose overrides them.
Secrets (passwords, API keys, tokens) are `SecretStr` so they never appear in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIRESTREAM_", env_file=None, extra="ignore")

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    raw_topic: str = "stories.raw"
    enriched_topic: str = "stories.enriched"
    dlq_topic: str = "stories.dlq"
    topic_partitions: int = 4

    # Faust worker
    app_id: str = "wirestream"
    worker_web_port: int = 6066
    worker_web_host: str = "127.0.0.1"
    index_batch_size: int = 500
    index_batch_seconds: float = 0.5

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
    max_story_bytes: int = 2_000_000
    # Compacted topic holding connector positions, written in the same transaction as the items.
    positions_topic: str = "connectors.positions"
    # HTTP push endpoint (`wirestream push`): it refuses to start without a token.
    push_token: SecretStr | None = None
    push_host: str = "0.0.0.0"
    push_port: int = 8088
    push_max_bytes: int = 10_000_000
    push_rate_per_second: float = 20.0
    push_burst: int = 40


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """One Settings per process, read once from the environment."""
    return Settings()
