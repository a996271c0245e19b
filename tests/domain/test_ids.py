"""Identifiers of the model: one number per event across a sharded store's logs."""

from __future__ import annotations

from branchline.domain.model.ids import MAX_SHARDS, sharded_position


def test_positions_in_different_shards_never_share_a_number() -> None:
    numbers = [sharded_position(p, s) for p in range(1, 50) for s in range(MAX_SHARDS)]

    assert len(set(numbers)) == len(numbers)


def test_positions_of_one_shard_keep_their_order() -> None:
    numbers = [sharded_position(p, 5) for p in range(1, 50)]

    assert numbers == sorted(numbers)
