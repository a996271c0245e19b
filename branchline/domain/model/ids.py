"""Identifiers: thread streams, checkpoints, tasks, questions and positions in a sharded log.

A checkpoint id is the version of the event that created the checkpoint in its
thread's stream, followed by a digest of the thread id and that version, shaped like
a UUID: ``00000000-0000-002a-9f3a-1c2b3d4e5f60`` is version 42. Ids sort by version,
so descending ids are newest first; an id from another thread is recognised; and the
ids of one thread differ in their last characters too, where UIs abbreviate them.

A store may spread its threads over up to ``MAX_SHARDS`` event logs, each numbering its
events from 1; ``sharded_position`` gives an event one number across all of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from branchline.domain.model.errors import CheckpointNotFound, InvalidThreadId

THREAD_NAMESPACE = uuid5(NAMESPACE_URL, "urn:branchline:thread")
MAX_THREAD_ID = 512  # characters
MAX_SHARDS = 64  # event logs a store may spread its threads over
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's control characters (Cc)
_LOW_MASK = (1 << 64) - 1
MAX_VERSION = (1 << 63) - 1  # the largest stream version a database can hold


def check_thread_id(thread_id: str) -> str:
    """``thread_id`` if it can name a thread: 1 to 512 characters, none of them control
    characters (they would garble logs and terminals); otherwise InvalidThreadId."""
    problem = None
    if not isinstance(thread_id, str) or not thread_id:
        problem = "is empty" if thread_id == "" else f"is a {type(thread_id).__name__}, not a str"
    elif len(thread_id) > MAX_THREAD_ID:
        problem = f"is {len(thread_id):,} characters long (at most {MAX_THREAD_ID})"
    elif _CONTROL.search(thread_id):
        problem = "holds control characters"
    elif not thread_id.isprintable() and not _encodes(thread_id):
        problem = "holds a lone surrogate (text decoded with errors='surrogateescape'?)"
    if problem is not None:
        shown = repr(thread_id[:40]) + ("..." if len(str(thread_id)) > 40 else "")
        raise InvalidThreadId(
            f"thread_id {shown} {problem}; use a short printable id such as a user or "
            "ticket id, e.g. 'ticket-1042'"
        )
    return thread_id


def _encodes(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (a lone surrogate cannot)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=4096)
def stream_id(thread_id: str) -> UUID:
    """Return the event stream id of a thread."""
    return uuid5(THREAD_NAMESPACE, thread_id)


@lru_cache(maxsize=4096)
def _thread_digest(thread_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(thread_id.encode(), digest_size=8).digest(), "big")


def _tail_digest(thread_id: str, version: int) -> int:
    """64 bits that only this thread's checkpoint at ``version`` ends with: the thread's
    digest and the version mixed by splitmix64's finalizer. The finalizer is a bijection,
    so no two checkpoints of a thread share a tail, and it is cheap: a listing formats
    thousands of ids."""
    z = _thread_digest(thread_id) ^ version
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _LOW_MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _LOW_MASK
    return z ^ (z >> 31)


def _uuid_format(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


@lru_cache(maxsize=16_384)  # a listing asks for each id twice, and UIs list again (a few MB)
def checkpoint_id(thread_id: str, version: int) -> str:
    """Format the public id of the checkpoint at ``version`` of a thread: the version in
    its first 64 bits (ids sort like checkpoints), a digest of thread and version after."""
    return _uuid_format(f"{version:016x}{_tail_digest(thread_id, version):016x}")


def checkpoint_version(thread_id: str, checkpoint: str) -> int:
    """Parse a public checkpoint id back into its stream version.

    Raises CheckpointNotFound if the id is malformed or was made for another thread.
    """
    try:
        number = UUID(str(checkpoint)).int
    except ValueError:
        raise CheckpointNotFound(
            f"checkpoint_id {checkpoint!r} is not a Branchline checkpoint id; "
            "use an id from get_state_history(config) or get_state(config).config"
        ) from None
    version = number >> 64
    # Ids of 0.2.0 end with the thread's digest alone: they still name their checkpoint.
    if number & _LOW_MASK not in (_tail_digest(thread_id, version), _thread_digest(thread_id)):
        raise CheckpointNotFound(
            f"checkpoint_id {checkpoint!r} does not belong to thread {thread_id!r}; "
            "use an id from get_state_history() of this thread"
        )
    if version > MAX_VERSION:
        raise CheckpointNotFound(
            f"checkpoint_id {checkpoint!r} names no checkpoint of thread {thread_id!r} "
            f"(version {version:,} is past any a thread can reach); "
            "use an id from get_state_history() of this thread"
        )
    return version


def task_id(thread_id: str, checkpoint_version: int, node: str, index: int) -> str:
    """Return the deterministic id of a task planned at a checkpoint (UUID-shaped)."""
    name = f"{thread_id}\x00{checkpoint_version}:{node}:{index}".encode()
    return _uuid_format(hashlib.blake2b(name, digest_size=16).hexdigest())


def interrupt_id(task_id: str, index: int, attempt: int = 0) -> str:
    """The id of the ``index``-th question a task asks: 32 hex digits, stable across re-runs.

    ``attempt`` counts the times the same question was asked and answered before (a
    ``NodeInterrupt`` raised again after a resume is a new question)."""
    name = f"{task_id}:{index}" if attempt == 0 else f"{task_id}:{index}:{attempt}"
    return hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


def sharded_position(position: int, shard: int) -> int:
    """One number for the event at ``position`` in the log of ``shard``, unique across a
    store's shards and ordered like the positions within each shard."""
    return position * MAX_SHARDS + shard


def _uuid4_hex() -> str:
    return uuid4().hex


_new_id: Callable[[], str] = _uuid4_hex


def new_id() -> str:
    """Return a fresh random id (message ids, run ids); replaceable in tests."""
    return _new_id()


def set_id_source(source: Callable[[], str] | None) -> None:
    """Replace the id generator (tests); ``None`` restores random ids."""
    global _new_id
    _new_id = source if source is not None else _uuid4_hex
