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
    # slack_sdk logs request bodies at DEBUG; keep third-party chatter at WARNING unless we debug.
    if level != "DEBUG":
        for name in ("slack_sdk", "slack_bolt", "urllib3", "googleapiclient", "apscheduler"):
            logging.getLogger(name).setLevel(logging.WARNING)
