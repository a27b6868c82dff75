"""LOG_FORMAT: one JSON object per line, tokens redacted in both formats."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_parse_and_hold_no_token(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("bot.test")
    log.info("posted to %s with %s", "C1", "xoxb-1234-5678-secretsecret")
    try:
        raise RuntimeError("call failed for xoxp-999-abcdef")
    except RuntimeError:
        log.exception("Slack said no")

    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.test"
    assert first["message"] == "posted to C1 with xoxb-[redacted]"
    assert first["time"]
    assert second["message"] == "Slack said no"
    assert "RuntimeError" in second["exc_info"]
    assert "xoxb-1234" not in "\n".join(lines)
    assert "xoxp-999" not in "\n".join(lines)


def test_text_stays_the_default(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("bot.test").warning("token xapp-1-A0-xyz")
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING bot.test: token xapp-[redacted]")
