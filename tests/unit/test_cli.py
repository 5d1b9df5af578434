"""The `wirestream` command line: every subcommand and option explains itself, and a command that cannot reach a
service or find its file says so in one line on stderr with a non-zero exit, not with a traceback."""

from __future__ import annotations

import argparse
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli import build_parser, failure, main
from pipeline.settings import get_settings


def _subparsers(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, f"{path} {name}")


def test_every_subcommand_and_option_has_help() -> None:
    missing = []
    for path, parser in _subparsers(build_parser(), "wirestream"):
        parser.format_help()  # a stray % in a help text breaks `--help` itself
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                listed = {choice.dest for choice in action._choices_actions}
                missing += [f"{path} {name}" for name in action.choices if name not in listed]
                missing += [f"{path} {choice.dest}" for choice in action._choices_actions if not choice.help]
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens on it once the socket is closed


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the environment the test sets."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("command", [["search", "anything"], ["list"]])
def test_an_unreachable_elasticsearch_is_one_line_and_exit_3(
    command: list[str], environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    environment.setenv("WIRESTREAM_ES_URL", f"http://user:secret@127.0.0.1:{port}")
    assert main(command) == 3
    line = _one_line(capsys)
    assert line.startswith(f"wirestream {command[0]}: Elasticsearch http://127.0.0.1:{port} unreachable (")
    assert "secret" not in line


def test_an_unreachable_kafka_is_one_line_and_exit_3(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    environment.setenv("WIRESTREAM_KAFKA_BOOTSTRAP", f"127.0.0.1:{port}")
    assert main(["topics"]) == 3
    assert _one_line(capsys).startswith(f"wirestream topics: Kafka 127.0.0.1:{port} unreachable or not answering (")


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing.jsonl"
    assert main(["replay", str(missing), "--metrics-port", "0"]) == 2
    assert _one_line(capsys) == f"wirestream replay: {missing}: No such file or directory"
    assert main(["feeds", "--config", str(tmp_path / "feeds.toml"), "--metrics-port", "0"]) == 2
    assert _one_line(capsys) == f"wirestream feeds: {tmp_path / 'feeds.toml'}: No such file or directory"


def test_refusals_are_exit_4_and_anything_else_is_left_to_its_traceback() -> None:
    from elasticsearch import exceptions as es_exceptions
    from kafka.errors import TopicAuthorizationFailedError

    missing_index = es_exceptions.NotFoundError(
        404, "index_not_found_exception", {"error": {"reason": "no such index [stories]"}}
    )
    code, line = failure(missing_index)  # type: ignore[misc]
    assert code == 4
    assert line.endswith("refusing requests (HTTP 404 index_not_found_exception: no such index [stories])")
    assert failure(TopicAuthorizationFailedError())[0] == 4  # type: ignore[index]
    assert failure(OSError(98, "Address already in use")) == (2, "[Errno 98] Address already in use")
    assert failure(ValueError("a bug")) is None
    assert failure(BrokenPipeError(32, "Broken pipe")) == (3, "[Errno 32] Broken pipe")  # a socket's, not stdout's


def test_the_kafka_clients_last_words_name_the_cause_of_a_failed_bootstrap() -> None:
    """kafka-python logs many errors while it retries; the one a refused login leaves is the one to show."""
    from pipeline.cli import LastError

    words = LastError()
    for message in (
        "Connection failed: [Error 58] SaslAuthenticationFailedError: Authentication failed for user alice",
        "<KafkaSSLTransport [127.0.0.1:19292]>: Abort (KafkaConnectionError: socket disconnected)",
        "Bootstrap failed: KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:19292",
    ):
        words.emit(logging.LogRecord("kafka", logging.ERROR, __file__, 1, message, None, None))
    assert words.message.startswith("Connection failed: [Error 58] SaslAuthenticationFailedError")
    plain = LastError()
    plain.emit(logging.LogRecord("kafka", logging.ERROR, __file__, 1, "Connection lost: refused", None, None))
    plain.emit(logging.LogRecord("kafka", logging.ERROR, __file__, 1, "Bootstrap failed: timeout", None, None))
    assert plain.message == "Connection lost: refused"


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Headline\n\n" + "A paragraph of the story that runs on. " * 400, encoding="utf-8")
    command = [sys.executable, "-m", "pipeline.cli", "process", *[str(story)] * 40]  # far more than a pipe holds
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # as `| head -1` does
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0
    assert "Traceback" not in errors and "BrokenPipeError" not in errors
