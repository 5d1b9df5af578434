"""The worker class keeps the root logger at the level asked for; Faust's own lowers it to DEBUG for its spinner."""

from __future__ import annotations

import io
import logging

import faust
import pytest

from pipeline.faust_worker import Worker


@pytest.fixture
def root() -> logging.Logger:
    logger = logging.Logger("root-under-test", level=logging.WARN)
    logger.addHandler(logging.StreamHandler(io.StringIO()))
    return logger


def worker(kind: type[faust.Worker]) -> faust.Worker:
    return kind(faust.App("faust-worker-test", store="memory://"), loglevel="warn", stdout=io.StringIO())


def test_the_worker_keeps_the_root_logger_at_the_level_asked_for(root):
    worker(Worker).on_setup_root_logger(root, logging.WARN)
    assert root.level == logging.WARN
    assert not root.isEnabledFor(logging.DEBUG)
    assert len(root.handlers) == 1


def test_fausts_own_worker_lowers_it_to_debug_for_its_spinner(root):
    """Why the class exists: if Faust stops doing this, the class can go."""
    worker(faust.Worker).on_setup_root_logger(root, logging.WARN)
    assert root.level == logging.DEBUG
