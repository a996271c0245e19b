"""``python -m tests.differential --seeds N [--start S] [--subgraphs R] [--features R]
[--faces async]``: run seeds, print each failing seed's first divergence as a minimal
runnable reproduction. ``--copies``: copy each seed's Branchline thread halfway instead,
and print where the copy and the original went apart (``copies.py``)."""

from __future__ import annotations

import argparse
import collections
import sys
import time

from tests.differential.cases import FEATURE_RATE, SUBGRAPH_RATE, as_python, faced_case, shrink
from tests.differential.copies import copied_differs
from tests.differential.faces import FACES
from tests.differential.runner import run_sequence


def main(argv: list[str] | None = None) -> int:
    """Run the seeds; exit 1 if any diverged."""
    parser = argparse.ArgumentParser(prog="python -m tests.differential")
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds to run")
    parser.add_argument("--start", type=int, default=0, help="the first seed")
    parser.add_argument("--no-shrink", action="store_true", help="print the cases as found")
    parser.add_argument("--quiet", action="store_true", help="only the summary line")
    parser.add_argument(
        "--faces",
        choices=FACES,
        default="sync",
        help="the API every call goes through: sync, or async (ainvoke, astream, aget_state"
        "... on both engines; half the cases with async def nodes)",
    )
    parser.add_argument(
        "--subgraphs",
        type=float,
        default=SUBGRAPH_RATE,
        help=f"the share of seeds whose graphs have subgraph nodes (default {SUBGRAPH_RATE})",
    )
    parser.add_argument(
        "--features",
        type=float,
        default=FEATURE_RATE,
        help="the share of seeds whose nodes use retries, defer, Command[...], custom "
        f"streams, messages and chat models (default {FEATURE_RATE})",
    )
    parser.add_argument(
        "--copies", action="store_true", help="copy the thread halfway; compare the copy"
    )
    args = parser.parse_args(argv)
    if args.copies:
        return _copies(args.start, args.seeds, args.subgraphs, args.features)
    began = time.monotonic()
    failing: list[int] = []
    stopped: collections.Counter[str] = collections.Counter()
    for seed in range(args.start, args.start + args.seeds):
        spec, ops = faced_case(seed, args.subgraphs, args.features, args.faces)
        report = run_sequence(spec, ops)
        if report.stopped_by:
            stopped[report.stopped_by] += 1
        if report.divergence is None:
            continue
        failing.append(seed)
        if not args.quiet:
            if not args.no_shrink:
                spec, ops, report = shrink(spec, ops)
            print(as_python(seed, spec, ops, report), end="\n\n", flush=True)
    elapsed = time.monotonic() - began
    print(
        f"{args.seeds} seeds from {args.start}: {len(failing)} diverged {failing[:50]}; "
        f"ended early by a documented difference: {dict(stopped)}; {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 1 if failing else 0


def _copies(start: int, seeds: int, subgraph_rate: float, feature_rate: float) -> int:
    """Copy each seed's thread halfway; print where a copy went apart from its original."""
    apart = []
    for seed in range(start, start + seeds):
        found = copied_differs(seed, subgraph_rate, feature_rate)
        if found is not None:
            apart.append(seed)
            print(f"seed {seed}: {found}", end="\n\n", flush=True)
    print(
        f"{seeds} seeds from {start}: {len(apart)} copies went apart {apart[:50]}", file=sys.stderr
    )
    return 1 if apart else 0


if __name__ == "__main__":
    sys.exit(main())
