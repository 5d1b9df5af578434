"""Kafka SASL/TLS settings → kafka-python keyword arguments and Faust `broker_credentials`."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import faust
import pytest

from connectors.publisher import kafka_security_options
from pipeline.kafka_security import KafkaSecurityError, faust_options, kafka_python_options
from pipeline.settings import Settings

SECRET = "sasl-pa55-never-logged"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CA and a client certificate signed by it, made by openssl (PEM, unencrypted key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed here")
    folder = tmp_path_factory.mktemp("certs")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=ca",
    )
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=client")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "client.crt", "-days", "2")  # fmt: skip
    return {name: str(folder / name) for name in ("ca.crt", "client.crt", "client.key")}


def test_plaintext_by_default() -> None:
    assert kafka_python_options(settings()) == {"security_protocol": "PLAINTEXT"}
    assert faust_options(settings()) == {}


def test_sasl_ssl_gives_kafka_python_the_mechanism_credentials_and_ca() -> None:
    options = kafka_python_options(
        settings(
            kafka_security_protocol="sasl_ssl",
            kafka_sasl_mechanism="scram-sha-512",
            kafka_sasl_username="wire",
            kafka_sasl_password=SECRET,
            kafka_ssl_cafile="/etc/kafka/ca.crt",
        )
    )
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "wire",
        "sasl_plain_password": SECRET,
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/kafka/ca.crt",
    }


def test_connectors_and_the_topics_command_use_the_same_mapping() -> None:
    chosen = settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="u", kafka_sasl_password="p")
    assert kafka_security_options(chosen) == kafka_python_options(chosen)
    assert kafka_python_options(chosen)["sasl_mechanism"] == "PLAIN"  # the default mechanism


def test_ssl_with_a_client_certificate() -> None:
    options = kafka_python_options(
        settings(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile="ca.crt",
            kafka_ssl_certfile="client.crt",
            kafka_ssl_keyfile="client.key",
            kafka_ssl_password="key-pass",
            kafka_ssl_check_hostname=False,
        )
    )
    assert options == {
        "security_protocol": "SSL",
        "ssl_check_hostname": False,
        "ssl_cafile": "ca.crt",
        "ssl_certfile": "client.crt",
        "ssl_keyfile": "client.key",
        "ssl_password": "key-pass",
    }


def test_a_combined_pem_serves_as_certificate_and_key() -> None:
    options = kafka_python_options(settings(kafka_security_protocol="SSL", kafka_ssl_certfile="client.pem"))
    assert options["ssl_certfile"] == options["ssl_keyfile"] == "client.pem"


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"kafka_security_protocol": "TLS"}, "WIRESTREAM_KAFKA_SECURITY_PROTOCOL"),
        ({"kafka_sasl_mechanism": "PLAIN"}, "WIRESTREAM_KAFKA_SASL_MECHANISM"),
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "u"}, "WIRESTREAM_KAFKA_SASL_PASSWORD"),
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_password": "p"}, "WIRESTREAM_KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "GSSAPI", "kafka_sasl_username": "u"},
            "WIRESTREAM_KAFKA_SASL_MECHANISM",
        ),
        ({"kafka_ssl_certfile": "client.crt"}, "SSL or SASL_SSL"),
        ({"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": "k.pem"}, "WIRESTREAM_KAFKA_SSL_CERTFILE"),
    ],
)
def test_unusable_combinations_are_refused_by_name(values: dict[str, str], names: str) -> None:
    for mapping in (kafka_python_options, faust_options):
        with pytest.raises(KafkaSecurityError, match=names):
            mapping(settings(**values))


def test_refusals_never_carry_the_password() -> None:
    with pytest.raises(KafkaSecurityError) as refused:
        kafka_python_options(settings(kafka_security_protocol="SASL_SSL", kafka_sasl_password=SECRET))
    assert SECRET not in str(refused.value)


def test_faust_gets_sasl_credentials_without_tls_on_sasl_plaintext() -> None:
    options = faust_options(
        settings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-256",
            kafka_sasl_username="wire",
            kafka_sasl_password=SECRET,
        )
    )
    credentials = options["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("wire", SECRET)
    assert credentials.mechanism.value == "SCRAM-SHA-256"
    assert credentials.protocol.value == "SASL_PLAINTEXT"
    assert credentials.ssl_context is None
    assert SECRET not in repr(credentials)


def test_faust_gets_sasl_over_tls_with_the_ca_bundle(certs: dict[str, str]) -> None:
    credentials = faust_options(
        settings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_username="wire",
            kafka_sasl_password=SECRET,
            kafka_ssl_cafile=certs["ca.crt"],
        )
    )["broker_credentials"]
    assert credentials.protocol.value == "SASL_SSL"
    context = credentials.ssl_context
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1  # the bundle, not the system store


def test_faust_gets_ssl_credentials_with_the_client_certificate(certs: dict[str, str]) -> None:
    credentials = faust_options(
        settings(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=certs["ca.crt"],
            kafka_ssl_certfile=certs["client.crt"],
            kafka_ssl_keyfile=certs["client.key"],
            kafka_ssl_check_hostname=False,
        )
    )["broker_credentials"]
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials.protocol.value == "SSL"
    assert not credentials.context.check_hostname
    assert len(credentials.context.get_ca_certs()) == 1


def test_faust_refuses_a_client_key_that_does_not_match(certs: dict[str, str]) -> None:
    with pytest.raises(ssl.SSLError):
        faust_options(
            settings(
                kafka_security_protocol="SSL", kafka_ssl_certfile=certs["ca.crt"], kafka_ssl_keyfile=certs["client.key"]
            )
        )
