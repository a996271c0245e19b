"""The LangChain ``Runnable`` methods a LangGraph graph has beyond ``invoke`` and
``stream``: ``with_config`` (a graph whose calls merge a config bound to it), ``batch``
(several calls, one after another here; LangGraph runs them in threads) and
``get_graph`` (a drawing of the graph)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self

from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.drawing import DrawableGraph, drawing
from branchline.runner.errors import InvalidConfigError
from branchline.runner.topology import Topology

# The keys of a config itself; any other key given to with_config goes in "configurable",
# as LangGraph moves it there.
CONFIG_KEYS = (
    "configurable",
    "metadata",
    "tags",
    "callbacks",
    "run_name",
    "run_id",
    "max_concurrency",
    "recursion_limit",
)


def merge_configs(*configs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Configs merged left to right, as LangGraph merges them: ``configurable`` and
    ``metadata`` key by key, ``tags`` appended, any other key (``recursion_limit``...)
    replaced; empty values are skipped."""
    merged: dict[str, Any] = {}
    for config in configs:
        if config is None:
            continue
        if not isinstance(config, Mapping):
            raise InvalidConfigError(
                f"config must be a dict, got {type(config).__name__}: {config!r}; "
                'pass {"configurable": {"thread_id": "..."}}'
            )
        for key, value in config.items():
            if value is None or (isinstance(value, Mapping | list | tuple) and not value):
                continue
            if key in ("configurable", "metadata"):
                merged[key] = {**merged.get(key, {}), **value}
            elif key == "tags":
                merged[key] = [*merged.get(key, []), *value]
            elif key in CONFIG_KEYS:
                merged[key] = value
            else:
                merged["configurable"] = {**merged.get("configurable", {}), key: value}
    return merged


class RunnableMethods:
    """``with_config``, ``batch``, ``get_graph`` and ``checkpointer``, as a LangGraph
    graph has them (``CompiledStateGraph`` mixes them in)."""

    config: dict[str, Any] | None = None  # bound by with_config; merged into each call's
    invoke: Callable[..., Any]
    topology: Topology
    interrupt_before: tuple[str, ...]
    interrupt_after: tuple[str, ...]
    store: CheckpointStore | None  # the store the graph was compiled with
    persistence: Any  # a subgraph's own history (runner/subgraph.Persistence)

    @property
    def checkpointer(self) -> Any:
        """What ``compile(checkpointer=...)`` was given, as LangGraph's attribute: the
        store; ``True`` or ``False`` for a subgraph that keeps its history across calls or
        none; ``None`` otherwise."""
        if self.store is not None:
            return self.store
        return {"kept": True, "off": False}.get(self.persistence)

    def get_graph(
        self, config: Mapping[str, Any] | None = None, *, xray: int | bool = False
    ) -> DrawableGraph:
        """The graph's nodes and edges, to draw: ``get_graph().draw_mermaid()``.
        ``xray`` (drawing the insides of subgraphs) is not supported yet."""
        subgraphs = [n for n, node in self.topology.nodes.items() if _is_subgraph(node.func)]
        if xray and subgraphs:
            raise NotImplementedError(
                f"get_graph(xray={xray!r}) is not supported yet: the subgraph nodes "
                f"{subgraphs} are drawn as single nodes; call get_graph() without xray, "
                "or get_graph() on each subgraph"
            )
        return drawing(self.topology, self.interrupt_before, self.interrupt_after)

    def with_config(self, config: Mapping[str, Any] | None = None, **kwargs: Any) -> Self:
        """This graph with ``config`` (and ``kwargs``, e.g. ``recursion_limit=50``) bound:
        each call merges the config it is given over them. The graph is not changed."""
        bound = copy.copy(self)
        bound.config = merge_configs(self.config, config, kwargs)
        return bound

    def bound_config(self, config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """A call's config merged over the one ``with_config`` bound (if any)."""
        if not self.config:
            return config
        return merge_configs(self.config, config)

    def batch(
        self,
        inputs: Sequence[Any],
        config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """``invoke`` each input, one after another, in order; ``config``: one for all,
        or a list with one per input. ``return_exceptions``: an input whose run raised
        gets its exception in the results instead of stopping the batch. ``kwargs`` go
        to each ``invoke`` (``context=``, ``stream_mode=``...)."""
        configs = config_list(config, len(inputs))
        results: list[Any] = []
        for input, each in zip(inputs, configs, strict=True):
            try:
                results.append(self.invoke(input, each, **kwargs))
            except Exception as error:
                if not return_exceptions:
                    raise
                results.append(error)
        return results


def _is_subgraph(func: Any) -> bool:
    """Whether a node runs a compiled graph (a SubgraphNode, known by what it holds)."""
    return isinstance(getattr(func, "graph", None), RunnableMethods)


def config_list(
    config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None, count: int
) -> list[Mapping[str, Any] | None]:
    """One config per input, checked before anything runs."""
    if config is None or isinstance(config, Mapping):
        return [config] * count
    if isinstance(config, str) or not isinstance(config, Sequence):
        raise InvalidConfigError(
            f"batch(config={config!r}): pass one config dict for all inputs, or a list "
            "of them, one per input"
        )
    if not all(isinstance(c, Mapping) for c in config):
        raise InvalidConfigError(
            f"batch(config=[...]): every config must be a dict, got {list(config)!r}; "
            'pass e.g. [{"configurable": {"thread_id": "1"}}, ...]'
        )
    if len(config) != count:
        raise InvalidConfigError(
            f"batch got {len(config)} configs for {count} inputs; pass one config per "
            "input, or a single config dict for all of them"
        )
    return list(config)
