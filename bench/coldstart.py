"""The child processes of the cold workload: build a paused thread, or resume it cold.

``python -m bench.coldstart setup SIDE DB CHECKPOINTS`` runs a counting loop of
CHECKPOINTS steps that ends paused in ``ask``. ``python -m bench.coldstart resume SIDE
DB`` imports the side, opens DB, resumes the thread with ``Command(resume="yes")`` and
prints one JSON line: the import time, the open + resume time, and whether the thread
finished as expected. Nothing of either library is imported before it is timed.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from time import perf_counter

from bench.graphs import ANSWER, config, counting_loop
from bench.sides import checkpointer, resume_command
from bench.workload import Side

THREAD = "cold"
SIDE_MODULES = {
    Side.BRANCHLINE: ("branchline",),
    Side.LANGGRAPH: ("langgraph.graph", "langgraph.types", "langgraph.checkpoint.sqlite"),
}


def setup(side: Side, db: Path, checkpoints: int) -> None:
    """Run the loop on a new thread until it pauses in ``ask``."""
    with checkpointer(side, db) as saver:
        graph = counting_loop(side, saver, checkpoints, then_ask=True)
        paused = graph.invoke({"count": 0}, config(THREAD, recursion_limit=checkpoints + 10))
    if "__interrupt__" not in paused:
        raise SystemExit(f"the {side.value} thread did not pause: {paused!r}")


def resume(side: Side, db: Path, checkpoints: int) -> dict[str, object]:
    """Import the side, then open the file and resume the paused thread; time both."""
    began = perf_counter()
    for module in SIDE_MODULES[side]:
        importlib.import_module(module)
    imported = perf_counter()
    with checkpointer(side, db) as saver:
        graph = counting_loop(side, saver, checkpoints, then_ask=True)
        done = graph.invoke(resume_command(side, ANSWER), config(THREAD))
    ended = perf_counter()
    return {
        "import_s": imported - began,
        "resume_s": ended - imported,
        "ok": done.get("count") == checkpoints + 1 and "__interrupt__" not in done,
    }


def main(argv: list[str]) -> None:
    """``setup SIDE DB CHECKPOINTS`` or ``resume SIDE DB CHECKPOINTS``."""
    action, side, db, checkpoints = argv[0], Side(argv[1]), Path(argv[2]), int(argv[3])
    if action == "setup":
        setup(side, db, checkpoints)
    else:
        sys.stdout.write(json.dumps(resume(side, db, checkpoints)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
