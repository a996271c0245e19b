"""Run records on a real SQLite file: a run whose lease ran out is ended as lost, and
stays so; the process that still runs it is told to stop at its next renewal."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from branchline import CheckpointStore
from branchline.server.background import Background
from branchline.server.run_records import RunRecords
from branchline.server.tables import ServerTables


@pytest.fixture
def records(tmp_path: Path) -> Iterator[tuple[RunRecords, ServerTables]]:
    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        tables = ServerTables(store)
        yield RunRecords(tables), tables
        tables.close()


def _lease_runs_out(tables: ServerTables, run_id: str) -> None:
    """As if its process had stopped renewing it long ago."""
    with tables.connection() as conn:
        conn.execute("UPDATE branchline_runs SET lease_until = 0 WHERE run_id = ?", (run_id,))


def test_a_run_on_lease_is_renewed_and_ends_as_its_process_says(
    records: tuple[RunRecords, ServerTables],
) -> None:
    runs, _ = records
    assert runs.add("r1", "t1", "a", {}, "enqueue") and runs.claim("r1", "t1")
    assert runs.renew(["r1"]) == []
    runs.end("r1", "success", json.dumps({"done": 1}))
    ended = runs.get("t1", "r1")
    assert ended is not None and (ended["status"], ended["result"]) == ("success", '{"done": 1}')
    assert not runs.busy("t1")


def test_a_run_whose_lease_ran_out_stays_lost_and_is_told_to_stop(
    records: tuple[RunRecords, ServerTables],
) -> None:
    runs, tables = records
    runs.add("r1", "t1", "a", {}, "enqueue")
    runs.claim("r1", "t1")
    _lease_runs_out(tables, "r1")
    assert runs.add("r2", "t1", "a", {}, "reject")  # the thread is free again
    assert runs.claim("r2", "t1")

    assert runs.renew(["r1", "r2"]) == ["r1"]  # r1's process must stop it
    runs.end("r1", "success", json.dumps({"late": True}))  # it finished all the same
    lost = runs.get("t1", "r1")
    assert lost is not None and lost["status"] == "error"
    assert json.loads(lost["result"])["__error__"]["error"] == "RunLost"
    assert runs.busy("t1")  # r2 is on, its lease renewed


def test_a_renewal_while_a_run_records_its_end_does_not_cancel_it(
    records: tuple[RunRecords, ServerTables],
) -> None:
    runs, tables = records
    recorded = threading.Event()

    class Ending(RunRecords):
        def end(self, run_id: str, status: str, result: Any) -> None:
            super().end(run_id, status, result)
            recorded.set()
            time.sleep(0.2)  # still ending when the renewal below comes

    background = Background(Ending(tables))

    async def scenario() -> str:
        await background.admit("r1", "t1", "a", {}, "enqueue")

        async def run() -> str:
            async with background.turn("r1", "t1") as outcome:
                outcome.result = {"done": 1}
            return "finished"

        task = asyncio.create_task(run())
        await asyncio.to_thread(recorded.wait)
        await background.renew_once()  # sees r1 ended: it is no longer this process's
        return await task

    assert asyncio.run(scenario()) == "finished"
    ended = runs.get("t1", "r1")
    assert ended is not None and ended["status"] == "success"
