"""The LangGraph-style config dict, parsed once into a frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branchline.domain.model.ids import check_thread_id, checkpoint_id, checkpoint_version
from branchline.domain.model.thread import Thread
from branchline.runner.concurrency import max_concurrency
from branchline.runner.errors import InvalidConfigError

DEFAULT_RECURSION_LIMIT = 10_000
# In the config of a subgraph's run: the thread of the graph that runs it, and the root
# thread. The run's ``checkpoint_ns`` is then its own place in the root thread, not a
# subgraph to address.
PARENT_THREAD, ROOT_THREAD = "__branchline_parent_thread", "__branchline_root_thread"
# In the config a node gets (``task_config``): its ``checkpoint_ns`` is its task's place.
TASK = "__branchline_task"
# In the config of a run's tasks, for the subgraphs they enter, as LangGraph passes them
# down. RESUMING: the root call continues the thread (input ``None`` or a ``Command``) and
# the step is the run's first, so a subgraph kept across calls that paused goes on from
# its pause (else it takes its input on top of its latest state). TRAVEL: a TravelledTo,
# when the root call is addressed to a past checkpoint.
RESUMING, TRAVEL = "__branchline_resuming", "__branchline_travel"
# In the config of a subgraph's run or address: (the thread of the nearest graph above it
# that is the root or kept across calls, its place from there without task ids), for the
# thread of a subgraph kept across calls inside it (``subgraph_thread`` below).
KEPT_BASE = "__branchline_kept_base"
# In the config of the run of a subgraph that keeps no history (it has no thread of its
# own): its place in the root thread, which its tasks' places start with, as LangGraph's.
PLACE = "__branchline_place"
# In the config of a subgraph's run: its input starts a run of its own in its thread, as
# on a new thread (a run of it there before is left as it was).
AFRESH = "__branchline_afresh"


class TravelledTo:
    """Marks the tasks of a run addressed to a past checkpoint (a ``checkpoint_id`` and no
    answer: LangGraph's time travel). A subgraph kept across calls takes the state it had
    there on the run's first entry into it (``kept_subgraph``), its latest on later ones
    (a loop). One per run, shared by the subgraphs in it: never copied with a config."""

    def __init__(self, bound: datetime) -> None:
        self.bound = bound  # when the checkpoint it goes back to was made: travel_bound
        self._entered: set[str] = set()

    def first_entry(self, place: str) -> bool:
        """Whether this is the run's first entry into the subgraph kept at ``place``."""
        first = place not in self._entered
        self._entered.add(place)
        return first

    def __deepcopy__(self, memo: dict[int, Any]) -> TravelledTo:
        return self


@dataclass(frozen=True)
class RunConfig:
    """What a call needs from ``config``: the thread, an optional checkpoint, and options."""

    thread_id: str | None
    checkpoint_id: str | None = None
    checkpoint_ns: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    recursion_limit: int = DEFAULT_RECURSION_LIMIT
    actor: str | None = None
    roles: tuple[str, ...] = ()  # the actor's, for questions only some may answer
    raw: Mapping[str, Any] = field(default_factory=dict)
    parent_thread: str | None = None  # a subgraph's run: see PARENT_THREAD
    afresh: bool = False  # see AFRESH

    @classmethod
    def parse(cls, config: Mapping[str, Any] | None) -> RunConfig:
        """Validate and parse a config dict."""
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            raise InvalidConfigError(
                f"config must be a dict, got {type(config).__name__}: {config!r}; "
                'pass {"configurable": {"thread_id": "..."}}'
            )
        configurable = config.get("configurable") or {}
        metadata = dict(config.get("metadata") or {})
        limit = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidConfigError(
                f"recursion_limit must be an integer of at least 1, got {limit!r}"
            )
        max_concurrency(config)  # checked before anything runs
        thread_id = configurable.get("thread_id")
        if thread_id is not None and not isinstance(thread_id, str | int):
            raise InvalidConfigError(
                f"configurable.thread_id must be a string, got {type(thread_id).__name__}"
            )
        actor = configurable.get("actor", metadata.get("actor"))
        parent = configurable.get(PARENT_THREAD)
        placed = parent or configurable.get(TASK)  # a place, not an address
        return cls(
            thread_id=None if thread_id is None else str(thread_id),
            checkpoint_id=configurable.get("checkpoint_id"),
            checkpoint_ns="" if placed else str(configurable.get("checkpoint_ns") or ""),
            metadata=metadata,
            recursion_limit=limit,
            actor=None if actor is None else str(actor),
            roles=_roles(configurable.get("roles")),
            raw=config,
            parent_thread=parent,
            afresh=bool(configurable.get(AFRESH)),
        )

    @property
    def namespace(self) -> str:
        """Where this run's thread is in its root thread: ``""``, or a subgraph's place."""
        if self.parent_thread is None:
            return ""
        return str(self.raw["configurable"].get("checkpoint_ns") or "")

    def travels_from(self, thread: Thread | None) -> bool:
        """Whether ``checkpoint_id`` names a checkpoint other than ``thread``'s head."""
        if self.checkpoint_id is None or thread is None or thread.head is None:
            return False
        return checkpoint_version(thread.thread_id, self.checkpoint_id) != thread.head.version

    def flagged(self, flags: Mapping[str, Any]) -> RunConfig:
        """This config with ``flags`` (RESUMING, TRAVEL) for the tasks of its run."""
        configurable = {**(self.raw.get("configurable") or {}), **flags}
        # vars(), not dataclasses.replace, which reads each field through getattr: a
        # resumed run flags its config twice.
        return RunConfig(**{**vars(self), "raw": {**self.raw, "configurable": configurable}})

    def require_thread(self) -> str:
        """The thread id, or a clear error naming the missing key."""
        if not self.thread_id:
            raise InvalidConfigError(
                "this graph has a checkpointer, so calls need a thread: config is missing "
                "'configurable.thread_id'; pass "
                'config={"configurable": {"thread_id": "some-id"}}'
            )
        return check_thread_id(self.thread_id)


def checkpoint_config(thread_id: str, checkpoint_id: str) -> dict[str, Any]:
    """The config that addresses one checkpoint of a thread."""
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": checkpoint_id,
        }
    }


# A call's own, not its nodes' (as in LangGraph): its run's id and name.
CALLS_OWN = ("run_id", "run_name")


def task_config(run: Mapping[str, Any], thread: Thread, node: str, task: str) -> dict[str, Any]:
    """The config a node function gets, as LangGraph gives it: the run's, with the root
    thread's id (inside a subgraph too), the task's place (``checkpoint_ns``:
    ``"node:<task id>"`` under the subgraph's own) and the checkpoint each graph above
    it and its own stand on (``checkpoint_map``)."""
    configurable = dict(run.get("configurable") or {})
    parent = configurable.pop(PARENT_THREAD, None)
    root = configurable.pop(ROOT_THREAD, None)
    here = str(configurable.get("checkpoint_ns") or "") if parent else ""
    place = here or str(configurable.pop(PLACE, None) or "")
    parents = (run.get("metadata") or {}).get("parents", {}) if parent else {}
    assert thread.head is not None
    configurable.update(
        thread_id=root or configurable.get("thread_id"),
        checkpoint_ns=f"{place}|{node}:{task}" if place else f"{node}:{task}",
        checkpoint_map={**parents, here: checkpoint_id(thread.thread_id, thread.head.version)},
        checkpoint_id=None,
    )
    configurable[TASK] = True
    own = {k: v for k, v in run.items() if k not in CALLS_OWN}
    return {**own, "configurable": configurable}


def namespace_segments(namespace: str) -> list[str]:
    """``"a:<task id>|b:<task id>|2"`` -> ``["a:<task id>", "b:<task id>|2"]``: the place of
    each graph down the path. A ``"|<n>"`` suffix (as LangGraph names the n-th graph one
    task invoked) belongs to the segment before it."""
    found: list[str] = []
    for part in namespace.split("|") if namespace else ():
        if part.isdigit() and found:
            found[-1] += f"|{part}"
        else:
            found.append(part)
    return found


def without_task_ids(namespace: str) -> str:
    """``"a:<task id>|b|2"`` -> ``"a|b|2"``: a namespace as a subgraph kept across calls is
    kept under (LangGraph's, too)."""
    return "|".join(
        part.partition(":")[0].partition("|")[0]
        + (f"|{part.rpartition('|')[2]}" if "|" in part else "")
        for part in namespace_segments(namespace)
    )


def namespace_thread(thread_id: str, namespace: str) -> str:
    """The thread of a subgraph node's runs, inside its parent's thread."""
    return f"{thread_id}:{namespace}"


def subgraph_thread(
    configurable: Mapping[str, Any], segment: str, kept: bool
) -> tuple[str, tuple[str, str]]:
    """The thread of the subgraph at ``segment`` of the graph whose run (or address)
    ``configurable`` is, and the KEPT_BASE of its own. One kept per call lives in that
    graph's thread; one kept across calls, as in LangGraph, at its place without task
    ids from the nearest graph above that is the root or kept itself, so a subgraph kept
    inside one kept per call is one across that one's calls too."""
    thread = str(configurable["thread_id"])
    base_thread, base_path = configurable.get(KEPT_BASE) or (thread, "")
    place = without_task_ids(f"{base_path}|{segment}" if base_path else segment)
    if kept:
        own = namespace_thread(base_thread, place)
        return own, (own, "")
    return namespace_thread(thread, segment), (base_thread, place)


def bare_config(config: dict[str, Any], namespace: tuple[str, ...]) -> dict[str, Any]:
    """The config of a run of a subgraph that keeps no history: without the parent's
    thread, at its place (``namespace``) in the root thread, which its tasks' configs
    name (as LangGraph's)."""
    configurable = config.get("configurable") or {}
    root = configurable.get(ROOT_THREAD, configurable.get("thread_id"))
    # Called from a subgraph's thread: its place there starts where that thread is.
    here = configurable.get("checkpoint_ns") if configurable.get(PARENT_THREAD) else None
    place = {PLACE: "|".join((here, *namespace) if here else namespace), ROOT_THREAD: root}
    # As LangGraph, whose runs' metadata keeps the first checkpoint_ns given: that thread's.
    metadata = config.get("metadata") or {}
    if here and "checkpoint_ns" not in metadata:
        metadata = {**metadata, "checkpoint_ns": here}
    return {
        **config,
        "metadata": metadata,
        "configurable": {**inherited_configurable(config), **place},
    }


def inherited_configurable(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a subgraph's run takes of its parent's ``configurable``: all but the parent's
    place (its thread, checkpoint and namespace, which a subgraph has of its own)."""
    own = (
        *("thread_id", "checkpoint_id", "checkpoint_ns"),
        *(PARENT_THREAD, ROOT_THREAD, TASK, AFRESH, KEPT_BASE, PLACE),
    )
    return {k: v for k, v in (config.get("configurable") or {}).items() if k not in own}


def checked_step_timeout(seconds: Any) -> float | None:
    """A graph's ``step_timeout``, checked before a run writes anything: seconds a step
    may take (None, 0 or infinity: no limit, as LangGraph)."""
    if seconds is None or (type(seconds) in (int, float) and seconds >= 0):
        return seconds if seconds and seconds != float("inf") else None
    raise InvalidConfigError(
        f"graph.step_timeout must be a number of seconds (or None for no limit), got "
        f"{seconds!r}; set it as graph.step_timeout = 30. Nothing was run"
    )


def _roles(roles: Any) -> tuple[str, ...]:
    """``configurable["roles"]``: the answerer's roles, a list of names."""
    if roles is None:
        return ()
    if not isinstance(roles, list | tuple) or not all(isinstance(r, str) and r for r in roles):
        raise InvalidConfigError(
            f"configurable.roles must be a list of role names, got {roles!r}; "
            'e.g. "roles": ["finance"]'
        )
    return tuple(roles)
