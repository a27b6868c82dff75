"""The only place logging is configured."""

from __future__ import annotations

import logging


class _RedactTokens(logging.Filter):
    """Belt and braces: never let a Slack token reach a log line, whatever a library prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        import re

        message = record.getMessage()
        if re.search(r"xox[abposr]-|xapp-", message):
            record.msg = re.sub(r"(xox[abposr]|xapp)-[A-Za-z0-9-]+", r"\1-[redacted]", message)
            record.args = ()
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
