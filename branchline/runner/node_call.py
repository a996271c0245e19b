"""Calling a node's function in its task: with the config it asks for, and again as its
retry policy says when it raises."""

from __future__ import annotations

from typing import Any

from branchline.runner.interrupts import GraphInterrupt, NodeInterrupt, current_scope
from branchline.runner.node_cache import InMemoryCache, cache_entry
from branchline.runner.retry import with_retries
from branchline.runner.runtime import NodeCall
from branchline.runner.subgraph import ParentCommand, SubgraphPaused
from branchline.runner.topology import Node

# What a node raises to pause or to route: never retried.
SIGNALS = (GraphInterrupt, NodeInterrupt, SubgraphPaused, ParentCommand)


def call_node(
    node: Node, state: Any, call: NodeCall, cache: InMemoryCache | None
) -> tuple[Any, bool]:
    """What ``node`` returns for ``state`` (with the arguments its function asks for:
    ``NodeCall.arguments``), and whether it came from ``cache`` (see ``node_cache``)
    rather than a run."""
    if cache is None or node.cache_policy is None:
        return (_retried(node, state, call) if node.retries else call.run_node(node, state)), False
    namespace, key = cache_entry(node.name, node.func, node.cache_policy, state)
    hit, output = cache.get(namespace, key)
    if hit:
        return output, True
    output = _retried(node, state, call) if node.retries else call.run_node(node, state)
    cache.set(namespace, key, output, node.cache_policy.ttl)
    return output, False


def _retried(node: Node, state: Any, call: NodeCall) -> Any:
    """Each retry asks its ``interrupt()`` questions from the first, as a resumed node
    does, so the answers given to the task answer them again (as LangGraph)."""
    scope = current_scope()
    asked = scope.calls if scope is not None else 0

    def attempt() -> Any:
        if scope is not None:
            scope.calls = asked
        return call.run_node(node, state)

    return with_retries(node.name, node.retries, attempt, SIGNALS)
