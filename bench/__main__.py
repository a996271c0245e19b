"""``python -m bench [--quick] [--only WORKLOAD] [--json PATH]``: run and report."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from time import perf_counter

from rich.console import Console

from bench.harness import run_workload
from bench.registry import WORKLOADS
from bench.report import print_report, write_jsonl

TABLE_WIDTH = 150  # when piped, rich would wrap the table at 80 columns
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.jsonl"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark Branchline against LangGraph."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--only", choices=sorted(WORKLOADS), help="run one workload")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="JSON lines output")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the chosen workloads, print the table and write the JSON lines."""
    args = parse_args(argv)
    console = Console(width=None if Console().is_terminal else TABLE_WIDTH)
    progress = Console(stderr=True)
    names = [args.only] if args.only else list(WORKLOADS)
    start = perf_counter()
    results = [
        run_workload(WORKLOADS[name], args.quick, lambda text: progress.print(f"[dim]{text}[/]"))
        for name in names
    ]
    print_report(results, args.quick, console)
    write_jsonl(results, args.quick, args.json)
    console.print(f"total {perf_counter() - start:.0f} s; JSON lines in {args.json}")


if __name__ == "__main__":
    main()
