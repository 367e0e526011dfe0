"""Evidence integrity: Ed25519 signatures and the append-only hash chain, and their verification.

Every evidence record is signed over a canonical JSON description (hash, times, place, person,
context) and appended to one chain in which each entry's hash covers the previous entry's hash.
Changing a stored photo, an evidence row, or any chain entry — or removing one — is detected by
`xunjian verify`, which re-hashes the stored originals and walks the chain.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings, SettingsError, env_name
from .models import ChainEntry, ChainHead, Evidence

GENESIS_HASH = "0" * 64
UNSCOPED = {"xunjian.unscoped": True}


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key_b64 = base64.b64encode(raw).decode()
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._key.sign(payload)).decode()

    @staticmethod
    def from_seed_b64(seed_b64: str) -> Signer:
        try:
            seed = base64.b64decode(seed_b64, validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError(f"{env_name('signing_key')} is not valid base64") from None
        if len(seed) != 32:
            raise SettingsError(
                f"{env_name('signing_key')} must be 32 bytes (base64 of an Ed25519 seed)"
            )
        return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def new_seed_b64() -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    return base64.b64encode(
        key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    ).decode()


def load_signer(settings: Settings) -> Signer:
    """The configured key; outside production a key is generated once into the data directory."""
    if settings.signing_key:
        return Signer.from_seed_b64(settings.signing_key)
    path: Path = settings.data_dir / "signing_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_seed_b64(), encoding="utf-8")
        path.chmod(0o600)
    return Signer.from_seed_b64(path.read_text(encoding="utf-8").strip())


def verify_signature(public_key_b64: str, payload: bytes, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(signature_b64), payload)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _iso(value: Any) -> Any:
    # Always UTC: the phone sends +08:00, the database gives back +00:00; the signed text must
    # not depend on which of the two the record came from.
    return value.astimezone(dt.UTC).isoformat() if isinstance(value, dt.datetime) else value


def signed_payload(evidence: Evidence, key_id: str) -> bytes:
    """The canonical description that is signed: sorted keys, no whitespace, UTF-8."""
    doc = {
        "v": 1,
        "key_id": key_id,
        "evidence_id": evidence.id,
        "client_id": str(evidence.client_id),
        "sha256": evidence.sha256,
        "size_bytes": evidence.size_bytes,
        "property_id": evidence.property_id,
        "uploaded_by_id": evidence.uploaded_by_id,
        "device_id": evidence.device_id,
        "context_type": evidence.context_type,
        "context_id": evidence.context_id,
        "received_at": _iso(evidence.received_at),
        "captured_at": _iso(evidence.captured_at),
        "exif_taken_at": _iso(evidence.exif_taken_at),
        "latitude": evidence.latitude,
        "longitude": evidence.longitude,
        "accuracy_m": evidence.accuracy_m,
        "exif_latitude": evidence.exif_latitude,
        "exif_longitude": evidence.exif_longitude,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, payload: bytes, signature: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode())
    digest.update(b"\n")
    digest.update(payload)
    digest.update(b"\n")
    digest.update(signature.encode())
    return digest.hexdigest()


def append_to_chain(session: Session, evidence: Evidence, signer: Signer) -> ChainEntry:
    """Sign ``evidence`` and append it to the chain (``evidence`` must have its id)."""
    head = session.scalar(
        select(ChainHead).where(ChainHead.id == 1).with_for_update().execution_options(**UNSCOPED)
    )
    if head is None:  # first evidence ever: the migration seeds it, this covers a wiped table
        head = ChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    payload = signed_payload(evidence, signer.key_id)
    signature = signer.sign(payload)
    seq = head.last_seq + 1
    entry = ChainEntry(
        seq=seq,
        evidence_id=evidence.id,
        prev_hash=head.last_hash,
        payload=payload.decode(),
        signature=signature,
        entry_hash=entry_hash(head.last_hash, payload, signature),
    )
    session.add(entry)
    head.last_seq, head.last_hash = seq, entry.entry_hash
    evidence.signature = signature
    evidence.chain_seq = seq
    return entry


@dataclass
class VerifyReport:
    checked_entries: int = 0
    checked_objects: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_all(
    session: Session, store: Any, public_key_b64: str, *, rehash_objects: bool = True
) -> VerifyReport:
    """Walk the chain from the start and re-hash every stored original; report each mismatch."""
    report = VerifyReport()
    prev = GENESIS_HASH
    expected_seq = 1
    originals: list[tuple[int, str, str]] = []  # re-hashed after the walk, outside the transaction
    rows = session.execute(
        select(ChainEntry, Evidence)
        .join(Evidence, Evidence.id == ChainEntry.evidence_id, isouter=True)
        .order_by(ChainEntry.seq)
        .execution_options(**UNSCOPED)
    )
    for entry, evidence in rows:
        report.checked_entries += 1
        where = f"chain entry {entry.seq}"
        if entry.seq != expected_seq:
            report.problems.append(f"{where}: expected sequence {expected_seq} (entries missing)")
        expected_seq = entry.seq + 1
        if entry.prev_hash != prev:
            report.problems.append(f"{where}: previous-hash link broken")
        payload = entry.payload.encode()
        if entry_hash(entry.prev_hash, payload, entry.signature) != entry.entry_hash:
            report.problems.append(f"{where}: entry hash does not match its content (edited)")
        if not verify_signature(public_key_b64, payload, entry.signature):
            report.problems.append(f"{where}: signature does not verify with the published key")
        prev = entry.entry_hash
        if evidence is None:
            report.problems.append(f"{where}: its evidence record {entry.evidence_id} is missing")
            continue
        if json.loads(entry.payload).get("sha256") != evidence.sha256:
            report.problems.append(
                f"{where}: evidence {evidence.id} hash differs from the signed one"
            )
        elif signed_payload(evidence, json.loads(entry.payload).get("key_id", "")) != payload:
            report.problems.append(
                f"{where}: evidence {evidence.id} record differs from the signed one"
            )
        originals.append((evidence.id, evidence.original_key, evidence.sha256))
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1).execution_options(**UNSCOPED))
    if head is not None and head.last_seq != expected_seq - 1:
        report.problems.append(
            f"chain head says {head.last_seq} entries, walked {expected_seq - 1} (entries removed)"
        )
    if rehash_objects:
        # Reading gigabytes from storage must not keep a transaction open (on SQLite that is
        # the write lock: the service would stall for the whole verification).
        session.commit()
        for evidence_id, key, sha256 in originals:
            _check_object(store, evidence_id, key, sha256, report)
    return report


def _check_object(
    store: Any, evidence_id: int, key: str, sha256: str, report: VerifyReport
) -> None:
    from ..storage import ObjectNotFound

    digest = hashlib.sha256()
    try:
        for chunk in store.iter_chunks(key):
            digest.update(chunk)
    except ObjectNotFound:
        report.problems.append(f"evidence {evidence_id}: original {key} missing")
        return
    report.checked_objects += 1
    if digest.hexdigest() != sha256:
        report.problems.append(
            f"evidence {evidence_id}: stored original {key} does not match "
            f"its sha256 (the bytes were changed)"
        )
