"""The worker process class Faust runs for the app (`Worker` in its settings): Faust's own, without its spinner.

Faust's startup spinner turns at every log record, so at `--loglevel warn` or above Faust sets the root logger to
DEBUG and filters in the handler: every debug call of aiokafka and Faust then builds a record nobody reads, 5% of
the worker's main process under load (py-spy, `wirestream bench`). Without the spinner the root logger keeps the
level asked for. The spinner draws only on a terminal anyway; a worker under Compose or systemd has none.
"""

from __future__ import annotations

import logging

import faust


class Worker(faust.Worker):
    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None
        super().on_setup_root_logger(logger, level)
