"""Kafka client security from settings: one mapping for kafka-python (connectors, CLI) and one for Faust (worker).

Both stacks get the same protocol, SASL mechanism and credentials, and the same TLS trust and client
certificate, so a broker that needs SASL_SSL is reached the same way by every process. Pure functions:
they only read settings and build options; nothing is logged, and the password leaves its `SecretStr`
only inside the options handed to the client.
"""

from __future__ import annotations

import ssl
from typing import Any

from pipeline.settings import Settings

PROTOCOLS = frozenset({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"})
# What both kafka-python and aiokafka speak with a user name and password (GSSAPI and OAUTHBEARER need more).
SASL_MECHANISMS = frozenset({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})


class KafkaSecurityError(ValueError):
    """The Kafka security settings do not make a usable combination; the message names the setting."""


def _protocol(settings: Settings) -> str:
    protocol = (settings.kafka_security_protocol or "PLAINTEXT").strip().upper()
    if protocol not in PROTOCOLS:
        raise KafkaSecurityError(
            f"WIRESTREAM_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(sorted(PROTOCOLS))}, not {protocol!r}"
        )
    return protocol


def _sasl(settings: Settings, protocol: str) -> tuple[str, str, str] | None:
    """(mechanism, user, password) for a SASL protocol; refuses SASL settings without one, and the reverse."""
    if not protocol.startswith("SASL_"):
        if settings.kafka_sasl_mechanism:
            raise KafkaSecurityError(
                "WIRESTREAM_KAFKA_SASL_MECHANISM is set but WIRESTREAM_KAFKA_SECURITY_PROTOCOL is "
                f"{protocol}: use SASL_SSL (or SASL_PLAINTEXT on a trusted network)"
            )
        return None
    mechanism = (settings.kafka_sasl_mechanism or "PLAIN").strip().upper()
    if mechanism not in SASL_MECHANISMS:
        raise KafkaSecurityError(
            f"WIRESTREAM_KAFKA_SASL_MECHANISM must be one of {', '.join(sorted(SASL_MECHANISMS))}, not {mechanism!r}"
        )
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    if not settings.kafka_sasl_username or not password:
        raise KafkaSecurityError(
            f"{protocol} needs WIRESTREAM_KAFKA_SASL_USERNAME and WIRESTREAM_KAFKA_SASL_PASSWORD "
            "(or WIRESTREAM_KAFKA_SASL_PASSWORD_FILE)"
        )
    return mechanism, settings.kafka_sasl_username, password


def _uses_tls(protocol: str) -> bool:
    return protocol in ("SSL", "SASL_SSL")


def _check_tls_files(settings: Settings, protocol: str) -> None:
    if (settings.kafka_ssl_certfile or settings.kafka_ssl_keyfile) and not _uses_tls(protocol):
        raise KafkaSecurityError(
            f"a Kafka client certificate is set but the protocol is {protocol}: use SSL or SASL_SSL"
        )
    if settings.kafka_ssl_keyfile and not settings.kafka_ssl_certfile:
        raise KafkaSecurityError("WIRESTREAM_KAFKA_SSL_KEYFILE needs WIRESTREAM_KAFKA_SSL_CERTFILE")


def kafka_python_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for KafkaProducer, KafkaConsumer and KafkaAdminClient (kafka-python)."""
    protocol = _protocol(settings)
    sasl = _sasl(settings, protocol)
    _check_tls_files(settings, protocol)
    options: dict[str, Any] = {"security_protocol": protocol}
    if sasl:
        options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"] = sasl
    if _uses_tls(protocol):
        options["ssl_check_hostname"] = settings.kafka_ssl_check_hostname
        if settings.kafka_ssl_cafile:
            options["ssl_cafile"] = settings.kafka_ssl_cafile
        if settings.kafka_ssl_certfile:
            options["ssl_certfile"] = settings.kafka_ssl_certfile
            # a combined PEM (certificate and key in one file) needs no separate key file
            options["ssl_keyfile"] = settings.kafka_ssl_keyfile or settings.kafka_ssl_certfile
        if settings.kafka_ssl_password:
            options["ssl_password"] = settings.kafka_ssl_password.get_secret_value()
    return options


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The TLS context aiokafka (Faust) uses: the CA bundle (else the system's), the client certificate if any."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.kafka_ssl_cafile or None)
    context.check_hostname = settings.kafka_ssl_check_hostname
    if settings.kafka_ssl_certfile:
        password = settings.kafka_ssl_password.get_secret_value() if settings.kafka_ssl_password else None
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile or None, password)
    return context


def faust_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `faust.App(...)`: `broker_credentials` for SSL or SASL, nothing for PLAINTEXT."""
    import faust

    protocol = _protocol(settings)
    sasl = _sasl(settings, protocol)
    _check_tls_files(settings, protocol)
    if sasl:
        mechanism, username, password = sasl
        context = ssl_context(settings) if protocol == "SASL_SSL" else None
        credentials = faust.SASLCredentials(
            username=username, password=password, mechanism=mechanism, ssl_context=context
        )
        return {"broker_credentials": credentials}
    if protocol == "SSL":
        return {"broker_credentials": faust.SSLCredentials(ssl_context(settings))}
    return {}
