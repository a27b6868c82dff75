"""The only place logging is configured."""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

_TOKEN = re.compile(r"(xox[abposr]|xapp)-[A-Za-z0-9-]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _RedactTokens(logging.Filter):
    """Belt and braces: never let a Slack token reach a log line, whatever a library prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub(r"\1-[redacted]", message)
            record.args = ()
        if record.exc_info and record.exc_info[1] is not None and _TOKEN.search(str(record.exc_info[1])):
            # An exception's text (e.g. a URL with a token) would be printed by the formatter after this filter.
            record.exc_text = _TOKEN.sub(r"\1-[redacted]", logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        # One JSON object per line, for log shippers: time, level, logger, message (+ exc_info when present).
        return JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_formatter(fmt))
    handler.addFilter(_RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter stays at WARNING unless we debug; even then slack_sdk and googleapiclient stay at INFO,
    # because at DEBUG they log request bodies (DMs with a stream key, anonymous questions' askers).
    for name in ("slack_sdk", "slack_bolt", "urllib3", "googleapiclient", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    if level == "DEBUG":
        for name in ("slack_sdk", "googleapiclient", "urllib3"):
            logging.getLogger(name).setLevel(logging.INFO)


def gunicorn_logger_class() -> type:
    """gunicorn's logger with its own lines sent through the root handler, so LOG_FORMAT=json covers them too."""
    from gunicorn.glogging import Logger

    class RootLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                log.handlers[:] = []
                log.propagate = True

    return RootLogger
