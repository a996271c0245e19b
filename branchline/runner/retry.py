"""Retry policies: a node that raises is run again, inside its task, before the step fails.

As LangGraph's: the first policy whose ``retry_on`` matches the exception decides; the
wait after the n-th failed attempt is ``initial_interval * backoff_factor ** (n - 1)``,
at most ``max_interval``, plus up to one second at random with ``jitter``. A failed
attempt records nothing (the thread shows the task's one result, or its last error);
each retry is logged. The wait goes through ``sleep``, which tests replace.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from branchline.domain.store.off_loop import off_loop_call

logger = logging.getLogger(__name__)

_sleep: Callable[[float], None] = time.sleep


def sleep(seconds: float) -> None:
    """Wait between two attempts of a node (off the loop, in an async call)."""
    off_loop_call(_sleep, seconds)


def set_sleep(wait: Callable[[float], None] | None) -> None:
    """Replace the wait between attempts (tests); ``None`` restores ``time.sleep``."""
    global _sleep
    _sleep = wait if wait is not None else time.sleep


# Errors that say the node's code is wrong, not that the world was briefly unavailable:
# running it again would fail the same way.
_PERMANENT = (
    ValueError,
    TypeError,
    ArithmeticError,
    ImportError,
    LookupError,
    NameError,
    SyntaxError,
    RuntimeError,
    ReferenceError,
    StopIteration,
    StopAsyncIteration,
    OSError,
)


def default_retry_on(exc: Exception) -> bool:
    """Whether an error is worth another attempt by default, as LangGraph decides: a
    ``ConnectionError`` or an HTTP 5xx (httpx, requests) is; a programming error
    (``ValueError``, ``KeyError``, any other ``OSError``...) is not; anything else is."""
    if isinstance(exc, ConnectionError):
        return True
    status = _http_status(exc)
    if status is not None:
        return 500 <= status < 600
    return not isinstance(exc, _PERMANENT)


def _http_status(exc: Exception) -> int | None:
    """The status of an HTTP error raised by httpx or requests (if the node used them:
    never imported here), or None for any other error."""
    httpx, requests = sys.modules.get("httpx"), sys.modules.get("requests")
    if httpx is not None and isinstance(exc, httpx.HTTPStatusError):
        return int(exc.response.status_code)
    if requests is not None and isinstance(exc, requests.HTTPError):
        # requests' error may have no response: retried, as LangGraph does
        return int(exc.response.status_code) if exc.response is not None else 500
    return None


RetryOn = type[Exception] | Sequence[type[Exception]] | Callable[[Exception], bool]


class RetryPolicy(NamedTuple):
    """How to retry a node that raised: ``add_node(name, func, retry_policy=RetryPolicy())``.

    ``max_attempts`` counts the first one; ``retry_on`` is an exception class, a sequence
    of them, or a function of the exception returning whether to retry.
    """

    initial_interval: float = 0.5
    """Seconds to wait before the first retry."""
    backoff_factor: float = 2.0
    """The wait is multiplied by this after each retry."""
    max_interval: float = 128.0
    """The longest wait between two attempts, in seconds."""
    max_attempts: int = 3
    """How many attempts in all, the first one included."""
    jitter: bool = True
    """Add up to one second at random to each wait."""
    retry_on: RetryOn = default_retry_on
    """Which errors are retried (by default: see ``default_retry_on``)."""

    def retries(self, exc: Exception) -> bool:
        """Whether this policy applies to ``exc``."""
        if isinstance(self.retry_on, type):
            return isinstance(exc, self.retry_on)
        if isinstance(self.retry_on, Sequence):
            return isinstance(exc, tuple(self.retry_on))
        return bool(self.retry_on(exc))

    def wait(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt."""
        interval = min(
            self.max_interval, self.initial_interval * self.backoff_factor ** (failures - 1)
        )
        return interval + random.uniform(0, 1) if self.jitter else interval


def retry_policies(node: str, given: Any) -> tuple[RetryPolicy, ...]:
    """``add_node``'s ``retry_policy`` (None, one policy or a sequence) as a tuple; a clear
    error naming the node for anything else."""
    if given is None:
        return ()
    policies = (given,) if isinstance(given, RetryPolicy) else given
    if not isinstance(policies, Sequence) or isinstance(policies, str):
        policies = (policies,)
    for policy in policies:
        if not isinstance(policy, RetryPolicy):
            raise TypeError(
                f"add_node({node!r}, retry_policy=...) takes a RetryPolicy or a list of them, "
                f"got {type(policy).__name__} {policy!r:.80}; pass e.g. "
                "retry_policy=RetryPolicy(max_attempts=3)"
            )
        if not isinstance(policy.max_attempts, int) or policy.max_attempts < 1:
            raise ValueError(
                f"add_node({node!r}): RetryPolicy(max_attempts={policy.max_attempts!r}) must "
                "be an int of at least 1 (the first attempt counts); pass e.g. max_attempts=3"
            )
        if not (isinstance(policy.retry_on, type) or callable(policy.retry_on)) and not (
            isinstance(policy.retry_on, Sequence)
            and all(isinstance(c, type) and issubclass(c, BaseException) for c in policy.retry_on)
        ):
            raise TypeError(
                f"add_node({node!r}): RetryPolicy(retry_on={policy.retry_on!r:.80}) must be an "
                "exception class, a list of them, or a function of the exception"
            )
    return tuple(policies)


def with_retries(
    node: str,
    policies: Sequence[RetryPolicy],
    attempt: Callable[[], Any],
    signals: tuple[type[BaseException], ...],
) -> Any:
    """``attempt()``, run again while it raises an error a policy retries and attempts
    remain. ``signals`` (a question, a pause) are never retried."""
    failures = 0
    while True:
        try:
            return attempt()
        except signals:
            raise
        except Exception as exc:
            policy = next((p for p in policies if p.retries(exc)), None)
            failures += 1
            if policy is None or failures >= policy.max_attempts:
                raise
            seconds = policy.wait(failures)
            logger.info(
                "node %r raised %s: %s; attempt %d of %d in %.2f s",
                node,
                type(exc).__name__,
                exc,
                failures + 1,
                policy.max_attempts,
                seconds,
            )
            sleep(seconds)
