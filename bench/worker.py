"""One measured run of one side, in a fresh process: ``python -m bench.worker chat branchline``.

Prints the measurement as one JSON line on stdout (the harness reads the last line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.registry import WORKLOADS
from bench.workload import Side


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Workload, side, JSON parameters and an empty working directory."""
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("side", choices=[s.value for s in Side])
    parser.add_argument("--params", default="{}", help="JSON object of workload parameters")
    parser.add_argument("--workdir", type=Path, required=True, help="an empty directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run and print the measurement."""
    args = parse_args(argv)
    workload = WORKLOADS[args.workload]
    measurement = workload.run(Side(args.side), json.loads(args.params), args.workdir)
    sys.stdout.write(json.dumps(measurement.to_json()) + "\n")


if __name__ == "__main__":
    main()
