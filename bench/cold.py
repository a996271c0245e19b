"""The cold workload: a fresh process opens the SQLite file and resumes a paused thread.

A setup process builds a thread of ~1,000 checkpoints that ends paused on
``interrupt`` (``bench.coldstart setup``). Then, several times, the files are copied
afresh, synced, and a new process (``bench.coldstart resume``) imports the side, opens
the copy and resumes the thread; the metric is that process's wall time from spawn to
exit, with its import time alone measured inside it. A bare ``python -c pass`` gives
the interpreter's own start for context.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from time import perf_counter

from bench.storage import disk_usage
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "cold.db"
CHILD = (sys.executable, "-m", "bench.coldstart")

METRICS = (
    Metric("spawn_ms", "fresh process: spawn to resumed result", "ms"),
    Metric("import_ms", "  of which importing the side", "ms"),
    Metric("resume_ms", "  of which opening the file + resume", "ms"),
    Metric("python_ms", "interpreter start alone (python -c pass)", "ms", compare=False),
    Metric("setup_s", "setup: build the paused thread", "s", compare=False),
)


def plan(quick: bool) -> Plan:
    """The same history length and number of spawns on both sides."""
    params = {"checkpoints": 1000, "spawns": 3 if quick else 7}
    return Plan(
        rounds=1 if quick else 3,
        params=dict.fromkeys(Side, params),
        metrics=METRICS,
        budget_s=30.0 if quick else 120.0,
        run_timeout_s=180.0,
    )


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """Set up once, then time ``spawns`` cold resumes, each on a fresh copy of the files."""
    checkpoints, spawns = int(params["checkpoints"]), int(params["spawns"])
    pristine = workdir / "pristine"
    pristine.mkdir()
    began = perf_counter()
    _child("setup", side, pristine / DB_NAME, checkpoints)
    values = {"setup_s": perf_counter() - began}
    disk_usage(pristine)  # checkpoints every WAL into its main file
    walls, imports, resumes, failures = [], [], [], 0
    for spawn in range(spawns):
        copy = _fresh_copy(pristine, workdir / f"run-{spawn}")
        began = perf_counter()
        result = json.loads(_child("resume", side, copy / DB_NAME, checkpoints))
        walls.append(perf_counter() - began)
        imports.append(float(result["import_s"]))
        resumes.append(float(result["resume_s"]))
        failures += not result["ok"]
    values |= {
        "spawn_ms": statistics.median(walls) * 1000,
        "import_ms": statistics.median(imports) * 1000,
        "resume_ms": statistics.median(resumes) * 1000,
        "python_ms": statistics.median(_bare_python() for _ in range(spawns)) * 1000,
    }
    notes = (f"{side.value}: {failures} cold resumes did not finish the thread",) * bool(failures)
    return Measurement(values, notes)


def _child(action: str, side: Side, db: Path, checkpoints: int) -> str:
    command = [*CHILD, action, side.value, str(db), str(checkpoints)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _fresh_copy(pristine: Path, target: Path) -> Path:
    """Copy the database files, and flush them so the timed process pays no writeback."""
    shutil.copytree(pristine, target)
    os.sync()
    return target


def _bare_python() -> float:
    began = perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return perf_counter() - began


WORKLOAD = Workload(
    name="cold",
    description="a fresh process opens the SQLite file and resumes a paused thread",
    plan=plan,
    run=run,
)
