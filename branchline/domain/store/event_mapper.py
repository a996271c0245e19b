"""Events to stored rows and back, in the compact stored form, sealed into the chain.

A field left at its default is omitted, a tuple field is a JSON list and a UTC timestamp a
plain ISO string (``compact_form``); each row is then sealed into its stream's hash chain
(``chain``), compressed and encrypted if the store is. Stored names resolve to the event
classes in every process, whatever their module path.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import TopicError, register_topic, resolve_topic

from branchline.domain.model.errors import EventTooLarge, UnreadableEvent
from branchline.domain.model.events import EVENT_TYPES, ThreadEvent, ThreadSnapshot
from branchline.domain.store.chain import Sealing, link, seal, snapshot_link, unseal
from branchline.domain.store.compact_form import compact, restored

_STORED_TYPES: tuple[type[ThreadEvent], ...] = (*EVENT_TYPES, ThreadSnapshot)
for _type in _STORED_TYPES:
    register_topic(_type.TOPIC, _type)


def event_class(topic: str, stream: object, version: int) -> type[ThreadEvent]:
    """The event class a stored topic names, or a clear error for one this version lacks."""
    try:
        return cast(type[ThreadEvent], resolve_topic(topic))
    except TopicError:
        raise UnreadableEvent(
            f"stored event {version} of stream {stream} has type {topic!r}, which this "
            "Branchline does not know: a newer Branchline or another program wrote it. "
            "Upgrade Branchline; nothing was changed"
        ) from None


class EventMapper(Mapper[UUID]):
    """Events to stored rows and back, in the compact stored form (see the module doc).

    ``max_bytes`` bounds one stored event (snapshots aside): a bigger one is refused
    before anything of its append is written.
    """

    max_bytes: int | None = None
    audit_key: bytes | None = None  # seals the chain with a key (``chain.audit_key``)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: ThreadEvent = domain_event
        state = self.transcoder.encode(compact(event))
        if self.max_bytes and len(state) > self.max_bytes and not isinstance(event, ThreadSnapshot):
            raise EventTooLarge(
                f"a {type(event).__name__} event would take {len(state) / 1e6:.1f} MB, over "
                f"this store's limit of {self.max_bytes / 1e6:g} MB (max_event_bytes). Keep "
                "large data outside the state (a path or URL in it), or raise the limit; "
                "nothing was written"
            )
        heads = Sealing.heads()
        if heads is not None and event.originator_id in heads:
            stream, version = event.originator_id, event.originator_version
            key = self.audit_key
            digest_of = snapshot_link if isinstance(event, ThreadSnapshot) else link
            heads[stream] = digest_of(heads[stream], version, event.TOPIC, state, key)
            state = seal(state, heads[stream], keyed=key is not None)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(event.originator_id, event.originator_version, event.TOPIC, state)

    def plain(self, data: bytes) -> bytes:
        """Stored bytes decrypted and decompressed, as they were sealed."""
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return data

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls, _, _, state = self._opened(stored_event)
        return restored(cls, _stream_id(stored_event), stored_event.originator_version, state)

    def proven_snapshot(self, stored: StoredEvent, follows: str | None) -> ThreadSnapshot | None:
        """The snapshot in ``stored`` if it is sealed to ``follows``, the digest of the
        event it follows; None if it is not (edited in the database, or written before
        snapshots were sealed) or if that event is missing (``follows`` None)."""
        cls, body, digest, state = self._opened(stored)
        version = stored.originator_version
        if follows is None or digest != snapshot_link(
            follows, version, cls.TOPIC, body, self.audit_key
        ):
            return None
        return cast(ThreadSnapshot, restored(cls, _stream_id(stored), version, state))

    def _opened(self, stored: StoredEvent) -> tuple[type[ThreadEvent], bytes, str | None, Any]:
        """A stored row's event class, sealed body, digest and decoded state."""
        stream, version = stored.originator_id, stored.originator_version
        cls = event_class(stored.topic, stream, version)
        try:
            body, digest = unseal(self.plain(stored.state))
            return cls, body, digest, self.transcoder.decode(body)
        except Exception as exc:
            hint = (
                "the encryption key is not the one it was stored with"
                if self.cipher
                else "its bytes are damaged, or the store is encrypted: set its key "
                "(BRANCHLINE_ENCRYPTION_KEY / encryption_key=)"
            )
            raise UnreadableEvent(
                f"cannot read stored event {version} ({stored.topic}) of stream "
                f"{stream}: {hint} ({exc}); nothing was changed"
            ) from None


def _stream_id(stored: StoredEvent) -> UUID:
    originator = stored.originator_id
    return originator if isinstance(originator, UUID) else UUID(str(originator))
