"""Hashing and verification of the audit chain.

Each event's HMAC-SHA256 (keyed by ``ORBIT_AUDIT_KEY``) covers its own fields and
the previous event's HMAC, so altering, removing or reordering a row breaks the
chain at that row.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from orbit.governance.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent

HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "request_id",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "object_version",
    "parent_type",
    "parent_id",
    "scope_path",
    "changes_json",
    "reason",
    "prev_hash",
)


def _key() -> bytes:
    key: str = settings.ORBIT_AUDIT_KEY
    return key.encode("utf-8")


def _normalise(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "actor_id" and value is not None:
        return int(value)
    return value


def normalised(name: str, value: Any) -> Any:
    """A field's value as the hash covers it (datetimes in UTC text, the actor's id an integer)."""
    return _normalise(name, value)


CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""The encoder of ``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, made once."""


def canonical_payload_bytes(payload: dict[str, Any]) -> bytes:
    """The bytes the HMAC covers, from the normalised values of every name in ``HASHED_FIELDS``."""
    return CANONICAL_JSON.encode(payload).encode("utf-8")


def canonical_bytes(event: AuditEvent) -> bytes:
    return canonical_payload_bytes({name: _normalise(name, getattr(event, name)) for name in HASHED_FIELDS})


def hmac_key() -> bytes:
    """The key as bytes; a writer of many events reads it once and passes it to :func:`payload_hmac`."""
    return _key()


def payload_hmac(payload: dict[str, Any], key: bytes) -> str:
    """The HMAC of a normalised payload (see :func:`canonical_payload_bytes`): the same as :func:`compute_hmac`."""
    return hmac_module.digest(key, canonical_payload_bytes(payload), "sha256").hex()


def compute_hmac(event: AuditEvent) -> str:
    return hmac_module.new(_key(), canonical_bytes(event), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str = ""


def verify_events(events: Iterable[AuditEvent], head: AuditChainHead | None) -> VerifyResult:
    """Walk ``events`` in sequence order and report the first row that breaks the chain."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for event in events:
        if event.seq != expected_seq:
            kind = "missing" if event.seq > expected_seq else "reordered or duplicated"
            return VerifyResult(
                False,
                count,
                expected_seq - 1,
                prev_hash,
                expected_seq,
                f"row {kind}: expected seq {expected_seq}, found {event.seq}",
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False,
                count,
                expected_seq - 1,
                prev_hash,
                event.seq,
                "previous-hash link broken (a row before it was removed, reordered or altered)",
            )
        if not hmac_module.compare_digest(compute_hmac(event), event.hmac):
            return VerifyResult(
                False, count, expected_seq - 1, prev_hash, event.seq, "row altered: its HMAC does not match"
            )
        prev_hash = event.hmac
        expected_seq += 1
        count += 1
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        if head.seq > last_seq:
            return VerifyResult(
                False,
                count,
                last_seq,
                prev_hash,
                last_seq + 1,
                f"rows missing at the end of the chain: the head records seq {head.seq}",
            )
        return VerifyResult(
            False,
            count,
            last_seq,
            prev_hash,
            head.seq + 1 if head.seq < last_seq else last_seq,
            "the chain head does not match the last row",
        )
    return VerifyResult(True, count, last_seq, prev_hash)


def verify_database() -> VerifyResult:
    head = AuditChainHead.objects.filter(pk=1).first()
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    return verify_events(events, head)
