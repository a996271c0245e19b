"""An audit key seals the chains: nobody without it can re-seal an edit or forge an event."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TypedDict

import pytest

from branchline import END, START, CheckpointStore, StateGraph, StoreConfigError
from branchline.domain.model.ids import stream_id
from branchline.domain.store.chain import link, seal, unseal

KEY = "correct horse battery staple"


class Counter(TypedDict):
    count: int


def _fill(store: CheckpointStore) -> None:
    builder = StateGraph(Counter)
    builder.add_node("a", lambda s: {"count": s["count"] + 1})
    builder.add_node("b", lambda s: {"count": s["count"] + 1})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", END)
    builder.compile(checkpointer=store).invoke({"count": 0}, {"configurable": {"thread_id": "t"}})


def _reseal_without_the_key(path: Path, edit: tuple[bytes, bytes]) -> None:
    """What someone who knows the scheme but not the key can do: edit, recompute the chain."""
    stream = stream_id("t")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events WHERE originator_id = ? "
            "ORDER BY originator_version",
            (stream.hex,),
        ).fetchall()
        previous = stream.hex
        for version, topic, state in rows:
            body = unseal(bytes(state))[0].replace(*edit)
            previous = link(previous, version, topic, body)
            conn.execute(
                "UPDATE stored_events SET state = ? WHERE originator_id = ? "
                "AND originator_version = ?",
                (seal(body, previous), stream.hex, version),
            )
        conn.execute("UPDATE stream_heads SET digest = ?", (previous,))


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    path = tmp_path / "keyed.db"
    with CheckpointStore.sqlite(path, audit_key=KEY) as store:
        _fill(store)
    return path


def test_a_keyed_chain_verifies_with_its_key(keyed: Path) -> None:
    with CheckpointStore.sqlite(keyed, audit_key=KEY) as store:
        assert [(r.thread_id, r.intact) for r in store.verify()] == [("t", True)]


def test_an_edit_resealed_without_the_key_is_named(keyed: Path) -> None:
    _reseal_without_the_key(keyed, (b'"count":1', b'"count":7'))
    with CheckpointStore.sqlite(keyed, audit_key=KEY) as store:
        [report] = store.verify("t")
    assert report.broken is not None and report.broken.version == 1
    assert "sealed without the audit key" in report.broken.problem


def test_the_same_resealing_passes_for_a_store_without_a_key(tmp_path: Path) -> None:
    # Why the key matters: without one, a chain recomputed after an edit verifies.
    path = tmp_path / "plain.db"
    with CheckpointStore.sqlite(path) as store:
        _fill(store)
    _reseal_without_the_key(path, (b'"count":1', b'"count":7'))
    with CheckpointStore.sqlite(path) as store:
        assert store.verify("t")[0].intact


def test_a_keyed_chain_cannot_pass_for_verified_without_its_key(keyed: Path) -> None:
    with CheckpointStore.sqlite(keyed) as store:
        [report] = store.verify("t")
    assert report.broken is not None and "verify with the store's key" in report.broken.problem


def test_a_wrong_key_does_not_verify(keyed: Path) -> None:
    with CheckpointStore.sqlite(keyed, audit_key="another secret of enough length") as store:
        [report] = store.verify("t")
    assert report.broken is not None and "does not match the chain" in report.broken.problem


@pytest.mark.parametrize("secret", ["short", ""])
def test_a_weak_audit_key_is_refused_before_anything_is_written(
    tmp_path: Path, secret: str
) -> None:
    with pytest.raises(StoreConfigError, match="at least 16 characters"):
        CheckpointStore.sqlite(tmp_path / "new.db", audit_key=secret)
    assert not (tmp_path / "new.db").exists()


def test_an_export_signed_with_the_key_cannot_be_edited(keyed: Path) -> None:
    with CheckpointStore.sqlite(keyed, audit_key=KEY) as store:
        exported = store.export_heads()
        assert exported["signature"] and [h[:2] for h in exported["heads"]] == [["t", 5]]
        assert store.verify(against=exported)[0].intact
        edited = {**exported, "heads": [["t", 3, exported["heads"][0][2]]]}
        with pytest.raises(StoreConfigError, match="not signed with this store's audit key"):
            store.verify(against=edited)
