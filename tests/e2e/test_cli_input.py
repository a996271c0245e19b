"""Answers and edits too big for a command line: ``@FILE`` and ``-`` (stdin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_process import branchline, stored_events

from branchline import CheckpointStore
from branchline.cli.demo_graph import build
from branchline.domain.model.events import Resumed

BIG = {"action": "approve", "note": "x" * 200_000}


def _answer(db: Path) -> object:
    [answer] = [e for e in stored_events(db) if isinstance(e, Resumed)]
    return answer.value


def test_resume_reads_a_big_answer_from_a_file_and_echoes_only_its_start(
    paused: Path, tmp_path: Path
) -> None:
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(BIG))
    out = branchline("resume", "t", "--value", f"@{answer}", "--actor", "ivy", db=paused)
    assert _answer(paused) == BIG
    assert "characters)" in out and "x" * 1_000 not in out
    assert len(out) < 1_000


def test_resume_reads_the_answer_from_stdin(paused: Path) -> None:
    branchline("resume", "t", "--value", "-", "--actor", "ivy", db=paused, stdin='"approve"')
    assert _answer(paused) == "approve"


def test_resume_with_the_graph_shows_the_state_without_the_whole_big_answer(
    paused: Path, tmp_path: Path
) -> None:
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(BIG))
    out = branchline(
        "resume", "t", "--value", f"@{answer}", "--actor", "ivy",
        "--graph", "branchline.cli.demo_graph:build", db=paused,
    )  # fmt: skip
    assert "resumed as ivy" in out and "x" * 1_000 not in out


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (("resume", "t", "--actor", "ivy"), "--value"),
        (("update", "t", "--actor", "kim"), "--values"),
        (("fork", "t", "--checkpoint", "CHECKPOINT", "--actor", "lee"), "--values"),
    ],
    ids=["resume", "update", "fork"],
)
def test_a_missing_file_is_an_error_naming_it_that_records_nothing(
    paused: Path, tmp_path: Path, command: tuple[str, ...], option: str
) -> None:
    missing = tmp_path / "nowhere.json"
    before = paused.read_bytes()
    out = branchline(*command, option, f"@{missing}", db=paused, expect=1)
    assert f"error: {option} cannot read file {str(missing)!r} (No such file or directory)" in out
    assert paused.read_bytes() == before


@pytest.mark.parametrize("command", ["update", "resume"])
def test_a_file_of_invalid_json_is_an_error_naming_it_that_records_nothing(
    paused: Path, tmp_path: Path, command: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    option = "--value" if command == "resume" else "--values"
    before = paused.read_bytes()
    out = branchline(command, "t", option, f"@{bad}", "--actor", "kim", db=paused, expect=1)
    assert f"error: {option} file {str(bad)!r} is not valid JSON" in out
    assert paused.read_bytes() == before


def test_invalid_json_on_stdin_says_so_and_records_nothing(paused: Path) -> None:
    before = paused.read_bytes()
    out = branchline(
        "resume", "t", "--value", "-", "--actor", "ivy", db=paused, stdin="{", expect=1
    )
    assert "error: --value from stdin is not valid JSON" in out
    assert paused.read_bytes() == before


def test_update_and_fork_read_their_values_from_files(paused: Path, tmp_path: Path) -> None:
    edit = tmp_path / "edit.json"
    edit.write_text(json.dumps({"messages": []}))
    assert "updated as kim" in branchline(
        "update", "t", "--values", f"@{edit}", "--actor", "kim", db=paused
    )
    with CheckpointStore.sqlite(paused) as store:
        history = list(build(store).get_state_history({"configurable": {"thread_id": "t"}}))
    first = history[-2].config["configurable"]["checkpoint_id"]
    out = branchline(
        "fork", "t", "--checkpoint", first, "--values", "-", "--actor", "lee",
        db=paused, stdin=json.dumps({"messages": []}),
    )  # fmt: skip
    assert "forked as lee" in out
