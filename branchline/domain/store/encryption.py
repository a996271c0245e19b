"""Encryption at rest: the key, checked, and the fact a store records when it is created.

Stored events are encrypted with AES-GCM (the library's ``AESCipher``, pycryptodome). A
store is encrypted, or not, from its creation on. It records which (SQLite: the file's
``branchline_meta`` table; PostgreSQL: the schema's ``branchline_meta`` table, beside the
stored format), and for an encrypted store a check value of its key: a keyed BLAKE2b of
a fixed text, which tells a wrong key from the right one and reveals nothing of it.
Every open holds the key it was given against that record before anything is written
(``KeyCheck``), so a process without the key cannot add plaintext events to an
encrypted store (which would leave it unreadable to everyone), nor a process with
another key events nobody else can read.

A store created before the fact was recorded is judged by its first stored event:
plaintext JSON, or encrypted (and the key right if it decrypts it). The verdict is then
recorded, where the database can be written; a store with no events yet takes the
encryption of whoever opens it first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from eventsourcing.utils import Environment

from branchline.domain.model.errors import StoreConfigError
from branchline.domain.store.backends import (
    postgres_encryption,
    record_postgres_encryption,
    sqlite_encryption,
    stamp_sqlite_file,
)
from branchline.domain.store.chain import unseal

if TYPE_CHECKING:
    from eventsourcing.cipher import AESCipher

PLAINTEXT = "plaintext"
AES_GCM = "aes-gcm"  # recorded as aes-gcm:<check value of the key>
KEY_SIZES = (16, 24, 32)  # bytes: AES-128, -192, -256
_CHECKED_TEXT = b"the key of this Branchline store"
_SET_KEY = "BRANCHLINE_ENCRYPTION_KEY (or encryption_key=)"


def key_bytes(key: str) -> bytes:
    """The AES key that ``key`` (16, 24 or 32 bytes, base64) stands for; a StoreConfigError
    naming what is wrong with a malformed one (never the key itself)."""
    if not isinstance(key, str):
        raise StoreConfigError(
            f"the encryption key must be a base64 string, got {type(key).__name__}; "
            "make one with `branchline db key`"
        )
    text = key.strip()
    if not text:
        raise StoreConfigError(
            "the encryption key is empty; give the key the store was created with, make "
            "one with `branchline db key`, or leave it out (None) for a store without one"
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StoreConfigError(
            f"the encryption key ({len(text)} characters) is not valid base64 ({exc}); give "
            "it as `branchline db key` prints one (44 characters, ending with '=')"
        ) from None
    if len(raw) not in KEY_SIZES:
        raise StoreConfigError(
            f"the encryption key decodes to {len(raw)} bytes; AES needs 16, 24 or 32. "
            "Make a 32-byte one with `branchline db key`"
        )
    return raw


def cipher_env(key: str) -> dict[str, str]:
    """The settings that encrypt stored events with ``key``; a StoreConfigError if the key
    is malformed (``key_bytes``) or pycryptodome is missing."""
    key_bytes(key)
    _cipher()
    return {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": key.strip()}


def new_encryption_key() -> str:
    """A fresh random 256-bit key for ``encryption_key``, base64-encoded."""
    return _cipher().create_key(32)


def fact(key: str | None) -> str:
    """What a store created with ``key`` records (``key`` checked, see ``key_bytes``)."""
    if key is None:
        return PLAINTEXT
    check = hashlib.blake2b(
        _CHECKED_TEXT, key=key_bytes(key), digest_size=16, person=b"branchline-key"
    )
    return f"{AES_GCM}:{check.hexdigest()}"


class _Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=_Closable)


def admit(key: str | None, recorded: str | None, first_event: bytes | None, where: str) -> str:
    """Refuse to open ``where`` with ``key`` (StoreConfigError) unless it is the store's
    own: none for a plaintext store, the one an encrypted store was created with.

    ``recorded`` is what the store records (None: nothing yet), ``first_event`` its first
    stored bytes (read only when nothing is recorded). Returns the fact that fits both.
    """
    wanted = fact(key)
    found = _judged(first_event, key, wanted) if recorded is None else recorded
    if found != wanted:
        raise _mismatch(found, wanted, where)
    return wanted


class KeyCheck:
    """One open of a store, held against the encryption its database records: checked
    when made (before anything is written), settled once the store is constructed."""

    def __init__(
        self,
        key: str | None,
        where: str,
        found: tuple[str | None, bytes | None],
        record: Callable[[str | None], str | None],
    ) -> None:
        self._key, self._where, self._record = key, where, record
        fits = admit(key, *found, where)
        self._new = fits if found[0] is None else None  # to record when settled

    @classmethod
    def sqlite(cls, path: Path, key: str | None) -> KeyCheck:
        """Check the file at ``path`` (once settled, its format is stamped too)."""
        where = f"SQLite file {str(path)!r}"
        return cls(key, where, sqlite_encryption(path), lambda new: stamp_sqlite_file(path, new))

    @classmethod
    def postgres(cls, dsn: str, schema: str, key: str | None) -> KeyCheck:
        """Check the schema at ``dsn`` (nothing there yet before ``db init``)."""
        return cls(
            key,
            f"PostgreSQL schema {schema!r}",
            postgres_encryption(dsn, schema),
            lambda new: None if new is None else record_postgres_encryption(dsn, schema, new),
        )

    def settled(self, store: S) -> S:
        """``store``, just constructed, once the database records the fact (recorded now
        if it had none) and the key fits it: another process that created the database
        at the same time may have recorded another first. If not, closes it and raises."""
        recorded = self._record(self._new)
        try:
            admit(self._key, recorded, None, self._where)
        except StoreConfigError:
            store.close()
            raise
        return store


def _judged(first_event: bytes | None, key: str | None, wanted: str) -> str:
    """What a store that records nothing is, judged from its first stored event."""
    if first_event is None:
        return wanted  # no events yet: whoever opens it first decides
    try:
        json.loads(unseal(first_event)[0])
    except ValueError:  # not JSON: encrypted (or damaged)
        return wanted if key is not None and _decrypts(key, first_event) else AES_GCM
    return PLAINTEXT


def _mismatch(recorded: str, wanted: str, where: str) -> StoreConfigError:
    scheme = recorded.partition(":")[0]
    if scheme not in (PLAINTEXT, AES_GCM):
        return StoreConfigError(
            f"{where} records an encryption this Branchline does not know ({scheme!r}); "
            "upgrade Branchline to open it. Nothing was written"
        )
    if scheme == PLAINTEXT:
        return StoreConfigError(
            f"{where} is not encrypted (it was created without a key), but an encryption "
            f"key was given; nothing was written. Remove {_SET_KEY} to open it; to encrypt, "
            "create a new database with the key"
        )
    if wanted == PLAINTEXT:
        return StoreConfigError(
            f"{where} is encrypted, but no encryption key was given; nothing was written. "
            f"Set {_SET_KEY} to the key it was created with"
        )
    return StoreConfigError(
        f"{where} is encrypted with another key than the one given; nothing was written. "
        f"Set {_SET_KEY} to the key it was created with"
    )


def _decrypts(key: str, data: bytes) -> bool:
    """Whether stored bytes ``data`` were encrypted with ``key`` (their AES-GCM tag holds)."""
    try:
        _cipher()(Environment(env={"CIPHER_KEY": key.strip()})).decrypt(data)
    except ValueError:
        return False
    return True


def _cipher() -> type[AESCipher]:
    """The library's AES cipher, or the clear error if pycryptodome is missing."""
    try:
        from eventsourcing.cipher import AESCipher
    except ImportError:
        raise StoreConfigError(
            "encryption needs pycryptodome; install it with pip install 'branchline[encryption]'"
        ) from None
    return AESCipher
