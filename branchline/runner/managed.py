"""Managed values: state keys whose value the run computes, never stored or written.

``RemainingSteps``: a key annotated with it gets the supersteps the run may still take
before its recursion limit, counted as LangGraph counts them: ``stop - step``, where a
call that starts from a checkpoint of step ``s`` (none: ``-2``) stops at
``s + recursion_limit + 2`` and a task of the step after checkpoint ``h`` runs at
``h + 1``. Nodes and their routing functions see it; the thread's values never hold it,
and a write to it (input, node, update) is dropped, as in LangGraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, get_args, get_origin

# In the config of a run's tasks: the step at which its recursion limit stops it.
STOP = "__branchline_stop"


class RemainingStepsValue:
    """The marker of a ``RemainingSteps`` key (what its ``Annotated`` carries)."""


RemainingSteps = Annotated[int, RemainingStepsValue]
"""Annotate a state key with it to read the steps left before the recursion limit."""


def managed_keys(hints: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of a state schema's type hints that are managed values."""
    return tuple(
        name
        for name, hint in hints.items()
        if get_origin(hint) is Annotated and RemainingStepsValue in get_args(hint)[1:]
    )


def stop_step(start: int | None, recursion_limit: int) -> int:
    """Where a call that starts from a checkpoint of step ``start`` (None: a new thread)
    stops, in LangGraph's count (see the module docstring)."""
    return (-2 if start is None else start) + recursion_limit + 2


def managed_values(keys: tuple[str, ...], config: Mapping[str, Any], step: int) -> dict[str, Any]:
    """The values of ``keys`` for a task of the step after checkpoint ``step``."""
    stop = (config.get("configurable") or {}).get(STOP)
    if not keys or stop is None:
        return {}
    return dict.fromkeys(keys, stop - (step + 1))


def for_edits(keys: tuple[str, ...]) -> dict[str, Any]:
    """The managed values an edit's routing sees (``update_state`` and the like): LangGraph
    gives them a step of their own that stops two steps on, whatever the limit."""
    return dict.fromkeys(keys, 2) if keys else {}
