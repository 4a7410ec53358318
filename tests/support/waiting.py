"""Waiting for a condition instead of sleeping a fixed time: fast on an idle machine, patient on a
loaded one, and a failure names what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60, interval: float = 0.05) -> None:
    """Poll `condition` until it holds; raise AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {what}")
        time.sleep(interval)
