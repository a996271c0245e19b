"""The one source of time for events, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return _now()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the system clock."""
    global _now
    _now = source if source is not None else (lambda: datetime.now(UTC))
