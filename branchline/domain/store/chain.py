"""Tamper evidence: each stored event of a thread is sealed with a digest chained to the last.

An event's digest covers the previous event's digest, its own stream version, its type
and its stored bytes, and is kept after those bytes (``<json>#<32 hex digits>``). So
editing, removing or reordering any stored event breaks the chain at that event, and
``verify`` names it. The chain starts from the stream id, so events cannot be moved
between threads either. Removing the newest events, or a whole thread, would leave a
shorter valid chain: each append also records its stream's head (``stream_heads``), and
``verify`` holds every chain against it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from branchline.domain.model.errors import StoreConfigError

SEPARATOR = b"#"
KEYED_SEPARATOR = b"!"  # the digest after it was computed with the store's audit key
_SEPARATORS = (SEPARATOR, KEYED_SEPARATOR)
DIGEST_SIZE = 16  # bytes; 32 hex digits after the separator
_TRAILER = 1 + 2 * DIGEST_SIZE
MIN_SECRET = 16


def genesis(stream: UUID) -> str:
    """What the first event of ``stream`` chains to."""
    return stream.hex


def audit_key(secret: str) -> bytes:
    """The key that seals a store's chains, from the secret its owner keeps (the audit key):
    without it nobody can compute a digest that verifies, so nobody can re-seal an edit."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET:
        raise StoreConfigError(
            f"the audit key must be a secret of at least {MIN_SECRET} characters, got "
            f"{len(secret) if isinstance(secret, str) else type(secret).__name__}; make one "
            'with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return hashlib.blake2b(secret.encode(), digest_size=32, person=b"branchline-audit").digest()


def link(previous: str, version: int, topic: str, body: bytes, key: bytes | None = None) -> str:
    """The digest of one event, chained to ``previous`` (keyed: an HMAC-like MAC)."""
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE, key=key or b"")
    digest.update(f"{previous}\x00{version}\x00{topic}\x00".encode())
    digest.update(body)
    return digest.hexdigest()


def snapshot_link(
    previous: str, version: int, topic: str, body: bytes, key: bytes | None = None
) -> str:
    """The digest that seals a snapshot to the event it follows (``previous``): like
    ``link``, with SHA-256 (an HMAC with the audit key), which CPUs with SHA extensions
    compute about twice as fast as BLAKE2b; a snapshot holds the whole state, so that
    shows in the append that writes one and in every read that starts from one."""
    header = f"{previous}\x00{version}\x00{topic}\x00".encode()
    digest = hmac.new(key, header, "sha256") if key else hashlib.sha256(header)
    digest.update(body)
    return digest.hexdigest()[: 2 * DIGEST_SIZE]


def seal(body: bytes, digest: str, *, keyed: bool = False) -> bytes:
    """The stored bytes: the event's JSON, then its digest (its separator says if keyed)."""
    return b"".join((body, KEYED_SEPARATOR if keyed else SEPARATOR, digest.encode("ascii")))


def unseal(stored: bytes) -> tuple[bytes, str | None]:
    """The event's JSON and its digest (None for bytes stored without one)."""
    if len(stored) > _TRAILER and stored[-_TRAILER : 1 - _TRAILER] in _SEPARATORS:
        return stored[:-_TRAILER], stored[1 - _TRAILER :].decode("ascii", "replace")
    return stored, None


def is_keyed(stored: bytes) -> bool:
    """Whether ``stored`` was sealed with an audit key."""
    return len(stored) > _TRAILER and stored[-_TRAILER : 1 - _TRAILER] == KEYED_SEPARATOR


# The chain heads of the streams being appended to in this context (see ``Sealing``).
_SEALING: ContextVar[dict[UUID, str] | None] = ContextVar("branchline_sealing", default=None)


class Sealing:
    """Seal the events stored within into their streams' chains: ``heads`` maps a stream
    to the digest its next event chains to, and is moved on as each event is sealed (the
    store's mapper does it, asking ``Sealing.heads()``). A class, not a generator: it
    runs once per append."""

    def __init__(self, heads: dict[UUID, str]) -> None:
        self._heads = heads

    def __enter__(self) -> dict[UUID, str]:
        self._token = _SEALING.set(self._heads)
        return self._heads

    def __exit__(self, *exc_info: object) -> None:
        _SEALING.reset(self._token)

    @staticmethod
    def heads() -> dict[UUID, str] | None:
        """The heads of the appends being sealed in this context, if any."""
        return _SEALING.get()


def before_chaining(stream: UUID, version: int) -> str:
    """What an event chains to when the one before it was stored without a digest."""
    return f"{stream.hex}:{version}"


@dataclass(frozen=True)
class Break:
    """The first event where the chain does not hold, and how."""

    version: int
    topic: str  # empty when the event is missing
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking one thread's chain."""

    thread_id: str
    events: int
    head: str | None
    broken: Break | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(
    thread_id: str,
    stream: UUID,
    rows: Iterable[tuple[int, str, bytes]],
    key: bytes | None = None,
    anchor: tuple[int, str] | None = None,
) -> ChainReport:
    """Check a thread's stored events, ``(version, topic, plain bytes)`` in version order.

    With the audit ``key`` every event must be sealed with it: one sealed without was
    written by someone who does not have the key. Without it, keyed seals cannot be checked.
    ``anchor`` is a head exported earlier, ``(version, digest)``: the chain must pass there.
    """
    previous, expected, count = genesis(stream), 1, 0
    for version, topic, stored in rows:
        keyed = is_keyed(stored)
        if keyed != (key is not None):
            problem = (
                "is sealed without the audit key: someone who does not have the key wrote or "
                "re-sealed it"
                if key is not None
                else "is sealed with an audit key: verify with the store's key "
                "(BRANCHLINE_AUDIT_KEY / audit_key=)"
            )
            return ChainReport(thread_id, count, previous, Break(version, topic, problem))
        if version != expected:
            problem = (
                f"is missing: the log jumps from event {expected - 1} to {version}, so events "
                "were removed or renumbered"
            )
            return ChainReport(thread_id, count, previous, Break(expected, "", problem))
        body, digest = unseal(stored)
        if digest is None:
            problem = (
                "carries no digest: its stored bytes were replaced, or it was written by a "
                "Branchline that did not seal events yet"
            )
            return ChainReport(thread_id, count, previous, Break(version, topic, problem))
        if digest != link(previous, version, topic, body, key):
            problem = (
                "does not match the chain: its bytes, type or position were changed "
                "(altered, or swapped with another event)"
            )
            return ChainReport(thread_id, count, previous, Break(version, topic, problem))
        if anchor is not None and version == anchor[0] and digest != anchor[1]:
            problem = (
                "differs from the head exported earlier: this thread's events up to it were "
                "rewritten since"
            )
            return ChainReport(thread_id, count, previous, Break(version, topic, problem))
        previous, expected, count = digest, expected + 1, count + 1
    if anchor is not None and count < anchor[0]:
        problem = (
            f"is missing: the log ends at event {count}, but the heads exported earlier reach "
            f"event {anchor[0]}, so events were removed since"
        )
        return ChainReport(thread_id, count, previous, Break(count + 1, "", problem))
    return ChainReport(thread_id, count, previous)
