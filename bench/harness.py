"""Run a workload's rounds: each side in a fresh subprocess, sides interleaved, then medians.

Round 1 runs Branchline then LangGraph, round 2 the other way round, and so on, so
that drift on the machine (page cache, thermal state) falls on both sides alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Log = Callable[[str], None]


@dataclass(frozen=True)
class Row:
    """One metric of one workload: every round's value on each side."""

    workload: str
    metric: Metric
    branchline: tuple[float, ...]
    langgraph: tuple[float, ...]

    def median(self, side: Side) -> float | None:
        """The side's median over rounds, or None if no round reached this metric."""
        values = self.values(side)
        return statistics.median(values) if values else None

    def values(self, side: Side) -> tuple[float, ...]:
        """The side's value in each round that reached this metric."""
        return self.branchline if side is Side.BRANCHLINE else self.langgraph

    @property
    def ratio(self) -> float | None:
        """How many times better Branchline is (>1 = Branchline better), by medians."""
        ours, theirs = self.median(Side.BRANCHLINE), self.median(Side.LANGGRAPH)
        if not self.metric.compare or ours is None or theirs is None or min(ours, theirs) <= 0:
            return None
        return theirs / ours if self.metric.lower_is_better else ours / theirs


@dataclass(frozen=True)
class WorkloadResult:
    """Everything one workload produced."""

    workload: str
    plan: Plan
    rows: tuple[Row, ...]
    rounds: int
    seconds: float
    notes: tuple[str, ...]


def run_workload(workload: Workload, quick: bool, log: Log) -> WorkloadResult:
    """Plan, run the rounds within the plan's budget, and gather the rows."""
    plan = workload.plan(quick)
    runs: dict[Side, list[Measurement]] = {side: [] for side in Side}
    notes = list(plan.notes)
    start = perf_counter()
    rounds = 0
    while rounds < plan.rounds:
        elapsed = perf_counter() - start
        if rounds and elapsed * (rounds + 1) / rounds > plan.budget_s:
            notes.append(f"ran {rounds} of {plan.rounds} rounds (budget {plan.budget_s:.0f} s)")
            break
        for side in side_order(rounds):
            log(f"{workload.name}: round {rounds + 1}/{plan.rounds}, {side.value}")
            runs[side].append(run_side(workload.name, side, plan.params[side], plan.run_timeout_s))
        rounds += 1
    for measurements in runs.values():
        notes.extend(note for m in measurements for note in m.notes)
    rows = tuple(_row(workload.name, metric, runs) for metric in plan.metrics)
    return WorkloadResult(
        workload.name, plan, rows, rounds, perf_counter() - start, tuple(_unique(notes))
    )


def side_order(round_index: int) -> tuple[Side, Side]:
    """Alternate which side goes first."""
    order = (Side.BRANCHLINE, Side.LANGGRAPH)
    return order if round_index % 2 == 0 else (order[1], order[0])


def run_side(workload: str, side: Side, params: Params, timeout_s: float) -> Measurement:
    """One worker subprocess in a temporary directory that is deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{workload}-{side.value}-") as workdir:
        command = [
            *(sys.executable, "-m", "bench.worker", workload, side.value),
            *("--params", json.dumps(dict(params)), "--workdir", workdir),
        ]
        try:
            done = subprocess.run(
                command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout_s
            )
        except subprocess.TimeoutExpired:
            return Measurement({}, (f"{side.value} worker killed after {timeout_s:.0f} s",))
    # Flush the deleted files' writeback now, so the next run's fsyncs do not pay for it.
    os.sync()
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return Measurement({}, (f"{side.value} worker failed ({done.returncode}): {tail[0]}",))
    return Measurement.from_json(json.loads(done.stdout.strip().splitlines()[-1]))


def _row(workload: str, metric: Metric, runs: Mapping[Side, Sequence[Measurement]]) -> Row:
    def collect(side: Side) -> tuple[float, ...]:
        return tuple(m.values[metric.key] for m in runs[side] if metric.key in m.values)

    return Row(workload, metric, collect(Side.BRANCHLINE), collect(Side.LANGGRAPH))


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))
