"""How many tasks of a step run at once: ``config["max_concurrency"]``, as LangGraph reads it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from branchline.runner.errors import InvalidConfigError

R = TypeVar("R")


def max_concurrency(config: Mapping[str, Any]) -> int | None:
    """The call's ``max_concurrency`` (None: as many as the step has)."""
    limit = config.get("max_concurrency")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidConfigError(
            f"max_concurrency must be an integer of at least 1, got {limit!r}; it is how "
            "many tasks of a step run at once"
        )
    return limit


def at_most(limit: int, fn: Callable[..., R]) -> Callable[..., R]:
    """``fn``, run by at most ``limit`` threads at once (the others wait their turn)."""
    slots = threading.BoundedSemaphore(limit)

    def limited(*args: Any) -> R:
        with slots:
            return fn(*args)

    return limited
