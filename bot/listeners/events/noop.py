from __future__ import annotations


def handle_unused_event() -> None:
    """Events are acknowledged by Bolt before listeners run; nothing else to do yet."""
