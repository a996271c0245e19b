"""What a workload is: a plan for both sides, the metrics it reports, and one measured run.

A workload runs inside a ``bench.worker`` subprocess for one side at a time; the
harness only sees the JSON-able ``Measurement`` it returns. To add a workload, write a
module with a ``WORKLOAD`` and list it in ``bench.registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

Params = Mapping[str, Any]


class Side(StrEnum):
    """The two implementations compared."""

    BRANCHLINE = "branchline"
    LANGGRAPH = "langgraph"


@dataclass(frozen=True)
class Metric:
    """One reported quantity; ``key`` names it in a ``Measurement``'s values.

    ``compare=False`` marks context that is not a contest (the disk's raw commit rate,
    a build time): the report shows both medians and no ratio.
    """

    key: str
    label: str
    unit: str
    lower_is_better: bool = True
    compare: bool = True


@dataclass(frozen=True)
class Plan:
    """How to run a workload: rounds, per-side parameters, a wall-clock budget and notes.

    The harness runs at least one round and stops adding rounds once the next one would
    overrun ``budget_s``; ``run_timeout_s`` bounds each worker subprocess.
    """

    rounds: int
    params: Mapping[Side, Params]
    metrics: tuple[Metric, ...]
    budget_s: float
    run_timeout_s: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measurement:
    """What one run of one side measured; metrics it did not reach are absent."""

    values: Mapping[str, float]
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The form a worker prints."""
        return {"values": dict(self.values), "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measurement:
        """Read what a worker printed."""
        values = {str(k): float(v) for k, v in data["values"].items()}
        return cls(values=values, notes=tuple(str(n) for n in data.get("notes", ())))


@dataclass(frozen=True)
class Workload:
    """A named benchmark: ``plan(quick)`` in the harness, ``run(side, params, workdir)``
    in a worker subprocess (``workdir`` is an empty temporary directory)."""

    name: str
    description: str
    plan: Callable[[bool], Plan]
    run: Callable[[Side, Params, Path], Measurement]
