"""docs/screens/index.html is the review artifact: it must show the surfaces the bot sends today."""

from __future__ import annotations

import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import screens  # noqa: E402


def test_the_screens_page_renders_every_surface_and_the_committed_one_is_current(tmp_path: Path) -> None:
    # A whole talk in both languages through the bot (it exits non-zero if the fake Slack rejected anything).
    assert screens.main(["--out", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for titles in screens.SURFACE_TITLES.values():
        for title in titles.values():
            assert f"<h2>{html.escape(title)}</h2>" in page, title
    assert page.count("data:image/png;base64,") >= 2  # the report's charts, in each language
    assert "&lt;@U" not in page and "&lt;!" not in page  # mentions shown as names, never as raw markup
    # The committed page must show today's layout: a surface that changed since it was rendered fails here.
    fresh = screens.committed_layout(tmp_path / "index.html")
    committed = screens.committed_layout(screens.DEFAULT_OUT / "index.html")
    assert fresh == committed, "docs/screens/index.html is out of date: run `make screens` and commit it"
