"""Secrets from the environment or from files (`WIRESTREAM_<NAME>_FILE`), and never in a repr or a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.bulk_sink import client_options
from pipeline.secrets import SecretFileError, read_secret_files
from pipeline.settings import Settings

SECRETS = {
    "WIRESTREAM_ES_PASSWORD": "es-pa55-from-env",
    "WIRESTREAM_ES_API_KEY": "api-key-from-env",
    "WIRESTREAM_KAFKA_SASL_PASSWORD": "kafka-pa55-from-env",
    "WIRESTREAM_PUSH_TOKEN": "push-token-from-env",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [*SECRETS, *(f"{name}_FILE" for name in SECRETS), "WIRESTREAM_KAFKA_SSL_PASSWORD"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_secrets_come_from_files_named_by_file_variables(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "es").write_text("es-pa55-from-file\n")  # `echo secret > file` adds a newline
    (tmp_path / "token").write_text("push token with spaces  \r\n")
    clean_env.setenv("WIRESTREAM_ES_PASSWORD_FILE", str(tmp_path / "es"))
    clean_env.setenv("WIRESTREAM_PUSH_TOKEN_FILE", str(tmp_path / "token"))
    settings = Settings()
    assert settings.es_password is not None and settings.es_password.get_secret_value() == "es-pa55-from-file"
    assert settings.push_token is not None and settings.push_token.get_secret_value() == "push token with spaces  "
    assert settings.es_api_key is None


def test_secrets_still_come_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        clean_env.setenv(name, value)
    settings = Settings()
    assert settings.kafka_sasl_password is not None
    assert settings.kafka_sasl_password.get_secret_value() == SECRETS["WIRESTREAM_KAFKA_SASL_PASSWORD"]


def test_a_secret_given_both_ways_is_refused(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "es").write_text("from-file")
    clean_env.setenv("WIRESTREAM_ES_PASSWORD", "from-env")
    clean_env.setenv("WIRESTREAM_ES_PASSWORD_FILE", str(tmp_path / "es"))
    with pytest.raises(SecretFileError, match="WIRESTREAM_ES_PASSWORD or WIRESTREAM_ES_PASSWORD_FILE"):
        Settings()


def test_an_unreadable_secret_file_is_named_without_its_content(tmp_path: Path) -> None:
    with pytest.raises(SecretFileError, match="WIRESTREAM_ES_PASSWORD_FILE: cannot read") as refused:
        read_secret_files({"WIRESTREAM_ES_PASSWORD_FILE": str(tmp_path / "missing")}, "WIRESTREAM_", ["es_password"])
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00s3kr1t-content")
    with pytest.raises(SecretFileError) as refused:
        read_secret_files({"WIRESTREAM_ES_PASSWORD_FILE": str(tmp_path / "binary")}, "WIRESTREAM_", ["es_password"])
    assert "s3kr1t" not in str(refused.value)


def test_only_secret_settings_take_files(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "url").write_text("http://elsewhere:9200")
    clean_env.setenv("WIRESTREAM_ES_URL_FILE", str(tmp_path / "url"))
    clean_env.delenv("WIRESTREAM_ES_URL", raising=False)
    assert Settings().es_url == "http://127.0.0.1:9250"


def test_settings_never_show_secrets(clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    for name, value in SECRETS.items():
        clean_env.setenv(name, value)
    settings = Settings()
    logging.getLogger("wirestream.test").warning("settings: %s %r", settings, settings)
    shown = repr(settings) + str(settings) + settings.model_dump_json() + caplog.text
    for value in SECRETS.values():
        assert value not in shown


def test_elasticsearch_client_options_carry_basic_auth_api_key_and_ca(clean_env: pytest.MonkeyPatch) -> None:
    basic = Settings(es_url="https://es:9200", es_username="elastic", es_password="pw", es_ca_certs="/certs/ca.crt")
    assert client_options(basic) == {
        "hosts": ["https://es:9200"],
        "timeout": 30,
        "http_auth": ("elastic", "pw"),
        "ca_certs": "/certs/ca.crt",
    }
    keyed = Settings(es_username="elastic", es_password="pw", es_api_key="id:key")
    assert client_options(keyed)["api_key"] == "id:key"
    assert "http_auth" not in client_options(keyed), "an API key wins over basic auth"
    assert client_options(Settings(es_username="elastic")).keys() == {"hosts", "timeout"}, "no password, no auth"


def test_elasticsearch_clients_accept_the_options(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real client takes every option we build (no request is made)."""
    from elasticsearch import AsyncElasticsearch, Elasticsearch

    ca = tmp_path / "ca.crt"
    ca.write_text("")  # only the path is checked here
    for options in (
        client_options(Settings(es_url="https://es:9200", es_username="elastic", es_password="pw")),
        client_options(Settings(es_url="https://es:9200", es_api_key="id:key")),
    ):
        Elasticsearch(**options).close()
        AsyncElasticsearch(**options)
