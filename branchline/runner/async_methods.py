"""The async face of a compiled graph: each method its sync twin, awaited (see ``aio``).

No twin code: every method here hands its arguments to the one synchronous method of
the same name, which runs on a worker thread; ``async def`` nodes, path functions and
tools are awaited on the caller's loop. A method that streams (``astream``,
``aget_state_history``, ``areplay``) is an async iterator over its twin's items;
``astream_events`` is LangChain's, told of ``astream``'s run by its callbacks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from branchline.runner.aio import iterated_off_loop, off_loop
from branchline.runner.callbacks import langchain_events
from branchline.runner.errors import InvalidConfigError
from branchline.runner.runnable import config_list
from branchline.runner.types import StateSnapshot, StateUpdate


class AsyncMethods:
    """Mixed into ``CompiledStateGraph``: ``ainvoke``, ``astream``, ``abatch``, the
    state methods and the branch methods, awaited."""

    # The sync twins, as the compiled graph has them.
    invoke: Callable[..., Any]
    stream: Callable[..., Iterator[Any]]
    get_state: Callable[..., StateSnapshot]
    get_state_history: Callable[..., Iterator[StateSnapshot]]
    update_state: Callable[..., dict[str, Any]]
    bulk_update_state: Callable[..., dict[str, Any]]
    get_lineage: Callable[..., list[StateSnapshot]]
    list_branches: Callable[..., list[Any]]
    switch_branch: Callable[..., dict[str, Any]]
    diff: Callable[..., Any]
    replay: Callable[..., Iterator[Any]]

    async def ainvoke(
        self, input: Any, config: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """``invoke``, awaited. Cancelling it stops the run between steps (the step under
        way is not written); ``ainvoke(None, config)`` goes on from there."""
        return await off_loop(self.invoke, input, config, **kwargs)

    def astream(
        self, input: Any, config: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """``stream``'s chunks, as an async iterator (every stream mode). Leaving the loop
        early stops the run as leaving ``stream``'s does."""
        return iterated_off_loop(self.stream, input, config, **kwargs)

    async def astream_events(
        self,
        input: Any,
        config: Mapping[str, Any] | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """LangChain's stream of events of a run (version ``"v2"``, as LangGraph's): the
        graph's and each node's ``on_chain_start``/``_stream``/``_end``, and those of the
        chat models and tools nodes call (``on_chat_model_stream``: their tokens). Needs
        langchain-core; ``kwargs`` go to ``astream`` (``stream_mode``, ``context``...)."""
        if version != "v2":
            raise InvalidConfigError(
                f"astream_events(version={version!r}) is not served; pass version='v2'"
            )
        events, given = langchain_events(), dict(config or {})
        if given.get("run_id") is not None:  # LangChain's events need it as a UUID
            given["run_id"] = UUID(str(given["run_id"]))
        async for event in events(
            self,
            input,
            given,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        ):
            yield event

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """``ainvoke`` each input, all at once; results in the inputs' order. ``config``:
        one for all, or a list with one per input (checked before anything runs)."""
        import asyncio

        configs = config_list(config, len(inputs))
        runs = [self.ainvoke(i, c, **kwargs) for i, c in zip(inputs, configs, strict=True)]
        return await asyncio.gather(*runs, return_exceptions=return_exceptions)

    async def aget_state(self, config: Mapping[str, Any], **kwargs: Any) -> StateSnapshot:
        """``get_state``, awaited."""
        return await off_loop(self.get_state, config, **kwargs)

    def aget_state_history(
        self, config: Mapping[str, Any], **kwargs: Any
    ) -> AsyncIterator[StateSnapshot]:
        """``get_state_history``, as an async iterator."""
        return iterated_off_loop(self.get_state_history, config, **kwargs)

    async def aupdate_state(
        self, config: Mapping[str, Any], values: Any, as_node: str | None = None
    ) -> dict[str, Any]:
        """``update_state``, awaited."""
        return await off_loop(self.update_state, config, values, as_node)

    async def abulk_update_state(
        self, config: Mapping[str, Any], supersteps: Sequence[Sequence[StateUpdate]]
    ) -> dict[str, Any]:
        """``bulk_update_state``, awaited."""
        return await off_loop(self.bulk_update_state, config, supersteps)

    async def aget_lineage(self, config: Mapping[str, Any]) -> list[StateSnapshot]:
        """``get_lineage``, awaited."""
        return await off_loop(self.get_lineage, config)

    async def alist_branches(self, config: Mapping[str, Any]) -> list[Any]:
        """``list_branches``, awaited."""
        return await off_loop(self.list_branches, config)

    async def aswitch_branch(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``switch_branch``, awaited."""
        return await off_loop(self.switch_branch, config)

    async def adiff(self, config_a: Mapping[str, Any], config_b: Mapping[str, Any]) -> Any:
        """``diff``, awaited."""
        return await off_loop(self.diff, config_a, config_b)

    def areplay(self, config: Mapping[str, Any], **kwargs: Any) -> AsyncIterator[Any]:
        """``replay``'s chunks, as an async iterator."""
        return iterated_off_loop(self.replay, config, **kwargs)
