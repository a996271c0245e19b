"""The results table (rich) and the JSON lines file."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.harness import Row, WorkloadResult
from bench.workload import Side

RATIO_HEADER = "ratio (>1 = Branchline better)"


def table(results: Sequence[WorkloadResult], quick: bool) -> Table:
    """One row per metric of every workload."""
    mode = "quick" if quick else "full"
    grid = Table(
        title=f"Branchline vs LangGraph ({mode} mode, medians over rounds)",
        caption="ratio = LangGraph/Branchline where lower is better, Branchline/LangGraph "
        "where higher is better (marked ↑); info = context, not compared; "
        "spread = min-max over rounds, Branchline | LangGraph",
    )
    for header in ("workload", "metric", "Branchline", "LangGraph"):
        grid.add_column(header, justify="left" if header in ("workload", "metric") else "right")
    grid.add_column(RATIO_HEADER, justify="right")
    grid.add_column("spread", justify="right")
    for result in results:
        for row in result.rows:
            grid.add_row(*_cells(row))
    return grid


def _cells(row: Row) -> tuple[str, ...]:
    metric = row.metric
    higher = "" if metric.lower_is_better or not metric.compare else " ↑"
    label = f"{metric.label} ({metric.unit}){higher}"
    return (
        row.workload,
        label,
        _number(row.median(Side.BRANCHLINE)),
        _number(row.median(Side.LANGGRAPH)),
        _ratio(row),
        f"{_spread(row.values(Side.BRANCHLINE))} | {_spread(row.values(Side.LANGGRAPH))}",
    )


def _ratio(row: Row) -> str:
    if not row.metric.compare:
        return "info"
    return "-" if row.ratio is None else f"{row.ratio:,.2f}"


def _number(value: float | None) -> str:
    if value is None:
        return "not reached"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _spread(values: Sequence[float]) -> str:
    if len(values) < 2:
        return "-"
    return f"{_number(min(values))}-{_number(max(values))}"


def print_report(results: Sequence[WorkloadResult], quick: bool, console: Console) -> None:
    """The table, then each workload's notes and run time."""
    console.print(table(results, quick))
    for result in results:
        measured = ", ".join(f"{side.value} {_runs(result, side)}" for side in Side)
        console.print(
            f"[bold]{result.workload}[/]: {result.seconds:.0f} s, {result.rounds} rounds "
            f"(runs with results: {measured})"
        )
        for note in result.notes:
            console.print(f"  - {note}")


def _runs(result: WorkloadResult, side: Side) -> int:
    return max((len(row.values(side)) for row in result.rows), default=0)


def write_jsonl(results: Sequence[WorkloadResult], quick: bool, path: Path) -> None:
    """One ``run`` line per workload, then one ``metric`` line per row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    lines: list[dict[str, Any]] = []
    for result in results:
        lines.append(_run_line(result, quick, stamp))
        lines.extend(_metric_line(row, stamp) for row in result.rows)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _run_line(result: WorkloadResult, quick: bool, stamp: str) -> dict[str, Any]:
    return {
        "kind": "run",
        "date": stamp,
        "workload": result.workload,
        "quick": quick,
        "rounds": result.rounds,
        "seconds": round(result.seconds, 1),
        "params": {side.value: dict(p) for side, p in result.plan.params.items()},
        "notes": list(result.notes),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
    }


def _metric_line(row: Row, stamp: str) -> dict[str, Any]:
    return {
        "kind": "metric",
        "date": stamp,
        "workload": row.workload,
        "metric": row.metric.key,
        "label": row.metric.label,
        "unit": row.metric.unit,
        "lower_is_better": row.metric.lower_is_better,
        "compared": row.metric.compare,
        "branchline_median": row.median(Side.BRANCHLINE),
        "langgraph_median": row.median(Side.LANGGRAPH),
        "ratio_branchline_better": row.ratio,
        "branchline": list(row.branchline),
        "langgraph": list(row.langgraph),
    }
