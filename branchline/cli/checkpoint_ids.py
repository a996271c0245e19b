"""Checkpoint ids as people type them: the whole id, or a prefix that starts only one.

A checkpoint id begins with its version in the thread's stream (16 hex digits), so a
prefix names a range of versions; only the thread's checkpoints in that range are read,
newest first, without decoding an event. Hyphens are optional, case does not matter and a
trailing ellipsis (``…`` or ``...``, as a cut table shows an id) is ignored.
"""

from __future__ import annotations

import re

from branchline.cli.app import fail
from branchline.domain.model.ids import MAX_VERSION, checkpoint_id, checkpoint_version
from branchline.domain.store.checkpoint_store import CheckpointStore

_HEX = re.compile(r"[0-9a-f]+")
_VERSION_DIGITS = 16  # the version's part of an id; the rest is the thread's check
_ID_DIGITS = 32
_SHOWN = 5  # ids an ambiguous prefix lists


def resolve_checkpoint(store: CheckpointStore, thread: str, given: str, option: str) -> int:
    """The version of the checkpoint of ``thread`` that ``given`` (an id or a prefix,
    passed as ``option``) names; an error naming it if there is none, or several."""
    typed = _uncut(given)
    digits = typed.replace("-", "")
    if not _HEX.fullmatch(digits) or len(digits) > _ID_DIGITS:
        raise fail(
            f"{option} {given!r} is not a checkpoint id; copy one (or its first characters) "
            f"from `branchline history {thread}`"
        )
    if len(digits) == _ID_DIGITS:  # a whole id: of this thread, or an error saying whose
        version = checkpoint_version(thread, typed)
        matches = _checkpoints_from(store, thread, version, version + 1)
    else:
        matches = _starting(store, thread, digits)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise fail(
            f"{option} {given!r} names no checkpoint of thread {thread!r}; "
            f"see `branchline history {thread}`"
        )
    shown = ", ".join(checkpoint_id(thread, v) for v in matches[:_SHOWN])
    more = f" and {len(matches) - _SHOWN} more" if len(matches) > _SHOWN else ""
    raise fail(
        f"{option} {given!r} starts {len(matches)} checkpoints of thread {thread!r} "
        f"({shown}{more}); give more of the id"
    )


def _uncut(given: str) -> str:
    """An id or prefix as typed, without spaces, capitals or a trailing ellipsis."""
    text = given.strip().lower()
    for ellipsis in ("…", "..."):
        text = text.removesuffix(ellipsis)
    return text


def _starting(store: CheckpointStore, thread: str, digits: str) -> list[int]:
    """The versions of the thread's checkpoints whose id starts with ``digits``."""
    known = digits[:_VERSION_DIGITS]
    free_bits = 4 * (_VERSION_DIGITS - len(known))
    low = int(known, 16) << free_bits
    high = (int(known, 16) + 1) << free_bits
    found = _checkpoints_from(store, thread, low, high)
    return [v for v in found if checkpoint_id(thread, v).replace("-", "").startswith(digits)]


def _checkpoints_from(store: CheckpointStore, thread: str, low: int, high: int) -> list[int]:
    """The versions of the thread's checkpoints in ``[low, high)``, newest first."""
    if low > MAX_VERSION:
        return []
    found = []
    for version in store.recent_checkpoints(thread, below=min(high, MAX_VERSION + 1)):
        if version < low:
            break
        found.append(version)
    return found
