"""Prints the crash-point table at the end of a run: point -> duplicates, losses, time to recover."""

from __future__ import annotations

from typing import Any

from tests.crash.test_crash_points import RESULTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write("Crash points (tests/crash): a process killed at each point, then restarted or replaced")
    write(f"{'point':<24} {'database':<11} {'duplicates':>10} {'losses':>7} {'recovered in':>13} {'story':>7}")
    for row in sorted(RESULTS, key=lambda r: (r["db"], r["point"])):
        recovered = f"{row['recover_s']:.1f} s" if row["recover_s"] is not None else "-"
        write(
            f"{row['point']:<24} {row['db']:<11} {row['duplicates']:>10} {row['losses']:>7} "
            f"{recovered:>13} {row['story_s']:>5.0f} s"
        )
