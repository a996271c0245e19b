"""The options of ``add_node`` beyond the function: checked when the node is added.

A node's function returns its update (it may be ``async def``, not an async generator);
``retry_policy``, ``cache_policy``, ``defer``, ``metadata`` and ``destinations`` are
checked here, so a mistake is reported at the line that made it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args, get_origin, get_type_hints

from branchline.runner.errors import GraphValidationError
from branchline.runner.node_cache import CachePolicy
from branchline.runner.retry import retry_policies
from branchline.runner.types import Command

__all__ = ["CachePolicy", "destinations_of", "node_options"]


def node_options(
    name: str,
    action: Any,
    defer: bool,
    metadata: Mapping[str, Any] | None,
    retry_policy: Any,
    cache_policy: Any,
) -> dict[str, Any]:
    """The checked options of node ``name`` (its function ``action``), as ``Node`` fields."""
    refuse_async_generator(name, action)
    if not isinstance(defer, bool):
        raise TypeError(f"add_node({name!r}, defer={defer!r}): defer is True or False")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(
            f"add_node({name!r}, metadata={metadata!r:.80}): metadata is a dict, or None"
        )
    if cache_policy is not None and not isinstance(cache_policy, CachePolicy):
        raise TypeError(
            f"add_node({name!r}, cache_policy=...) takes a CachePolicy, got "
            f"{type(cache_policy).__name__} {cache_policy!r:.80}; pass e.g. "
            "cache_policy=CachePolicy(ttl=60)"
        )
    return {
        "retry_policy": retry_policy,
        "retries": retry_policies(name, retry_policy),
        "cache_policy": cache_policy,
        "defer": defer,
        "metadata": None if metadata is None else dict(metadata),
    }


def refuse_async_generator(name: str, action: Any) -> None:
    """Refuse an async generator as a node (or an object whose ``__call__`` is one): a
    node returns its update once."""
    call = getattr(action, "__call__", None)  # noqa: B004 - the method itself is inspected
    if not any(inspect.isasyncgenfunction(f) for f in (action, call)):
        return
    raise GraphValidationError(
        [
            f"node {name!r} is an async generator ({action!r:.80}); a node returns its "
            "update once: define it with async def and return the update, or stream parts "
            "of it with get_stream_writer()"
        ]
    )


def destinations_of(
    name: str, action: Any, destinations: Mapping[str, str] | Sequence[str] | None
) -> tuple[str, ...] | dict[str, str]:
    """Where node ``name`` may route, as LangGraph records it for drawing the graph:
    ``destinations`` (names, or a dict of names to edge labels) when given, else the
    targets of a ``-> Command[Literal["a", "b"]]`` return annotation."""
    if destinations is None:
        return _command_targets(action)
    if isinstance(destinations, Mapping):
        return {str(k): str(v) for k, v in destinations.items()}
    if isinstance(destinations, str) or not isinstance(destinations, Sequence):
        raise TypeError(
            f"add_node({name!r}, destinations={destinations!r:.80}): give a tuple of node "
            'names, e.g. ("a", "b"), or a dict of node names to edge labels'
        )
    return tuple(str(d) for d in destinations)


def _command_targets(action: Any) -> tuple[str, ...]:
    try:
        returns = get_type_hints(action).get("return")
    except Exception:  # an unresolvable annotation only loses the drawing hint
        return ()
    choices = get_args(returns) if get_origin(returns) is not Command else (returns,)
    for choice in choices or (returns,):
        args = get_args(choice)
        if get_origin(choice) is Command and args and get_origin(args[0]) is Literal:
            return tuple(str(a) for a in get_args(args[0]))
    return ()
