"""The time travel Branchline adds to LangGraph's: a thread's lineage and branches, a
switch to another branch, the diff of two checkpoints, a replay that runs nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from branchline.domain.model.errors import ThreadNotFound
from branchline.domain.model.ids import checkpoint_id
from branchline.domain.model.timeline import Timeline
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.config import RunConfig
from branchline.runner.errors import InvalidConfigError
from branchline.runner.intake import Intake
from branchline.runner.snapshots import config_of, snapshot_of
from branchline.runner.spec import GraphSpec
from branchline.runner.time_travel import Branch, Diff, branches, diff, recorded
from branchline.runner.types import StateSnapshot


class Branching:
    """The branch methods of a compiled graph (``CompiledStateGraph`` mixes them in)."""

    # What it uses of the compiled graph it is mixed into.
    spec: GraphSpec
    _store: Callable[[], CheckpointStore]
    _require_checkpoint: Callable[[str, str], int]

    def _timeline(self, config: Mapping[str, Any]) -> tuple[str, Timeline, int]:
        """The thread's timeline and the addressed checkpoint (default: the head)."""
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id = cfg.require_thread()
        thread = store.load(thread_id)
        if thread is None or thread.head is None:
            raise ThreadNotFound(
                f"thread {thread_id!r} has no checkpoints; start it with its input"
            )
        version = thread.head.version
        if cfg.checkpoint_id is not None:
            version = self._require_checkpoint(thread_id, cfg.checkpoint_id)
        return thread_id, store.timeline(thread_id), version

    def get_lineage(self, config: Mapping[str, Any]) -> list[StateSnapshot]:
        """A checkpoint and its ancestors only, newest first (not the other branches)."""
        _, timeline, version = self._timeline(config)
        return [snapshot_of(timeline.states[v], live=False) for v in timeline.lineage(version)]

    def list_branches(self, config: Mapping[str, Any]) -> list[Branch]:
        """Every branch of the thread, oldest first."""
        thread_id, timeline, _ = self._timeline(config)
        return branches(timeline, thread_id)

    def switch_branch(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Move the thread's head to the addressed checkpoint (another branch's head)."""
        store = self._store()
        cfg = RunConfig.parse(config)
        thread_id, _, version = self._timeline(config)
        thread = store.load(thread_id)
        batch = Batch(thread)
        Intake.of(self.spec, cfg).fork(batch, checkpoint_id(thread_id, version), "switch")
        return config_of(store.append(batch.base, batch.events).thread)

    def diff(self, config_a: Mapping[str, Any], config_b: Mapping[str, Any]) -> Diff:
        """Compare two checkpoints of a thread: common ancestor, each side's steps, values."""
        thread_id, timeline, a = self._timeline(config_a)
        other, _, b = self._timeline(config_b)
        if other != thread_id:
            raise InvalidConfigError(
                f"diff compares two checkpoints of one thread, got threads {thread_id!r} and "
                f"{other!r}"
            )
        return diff(timeline, a, b)

    def replay(
        self, config: Mapping[str, Any], *, stream_mode: str | Sequence[str] = "values"
    ) -> Iterator[Any]:
        """Stream the recorded steps from a checkpoint to its branch's head, running nothing."""
        modes = (stream_mode,) if isinstance(stream_mode, str) else tuple(stream_mode)
        unknown = [m for m in modes if m not in ("values", "updates")]
        if unknown:
            raise InvalidConfigError(
                f"recorded replay streams 'values' and 'updates', not {unknown}"
            )
        _, timeline, version = self._timeline(config)
        for mode, chunk in recorded(timeline, version, modes):
            yield chunk if isinstance(stream_mode, str) else (mode, chunk)
