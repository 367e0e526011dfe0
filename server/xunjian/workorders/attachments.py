"""What comes with a report: photos that have arrived (by client id) and the owner's signature."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import signatures
from ..evidence.models import Evidence


def arrived_photos(session: Session, client_ids: Iterable[str]) -> dict[str, int]:
    """Evidence ids of the photos that have arrived, by client UUID (the rest are still on a
    phone). Evidence is property-scoped like everything else."""
    wanted = []
    for value in client_ids:
        try:
            wanted.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = session.execute(
        select(Evidence.client_id, Evidence.id).where(Evidence.client_id.in_(wanted))
    )
    return {str(cid): eid for cid, eid in rows}


# --- owner signatures ---------------------------------------------------------------------


def store_signature(store: Any, value: str, field: str) -> tuple[str, str]:
    """Decode, check and store an owner's signature (the shared rules of ``xunjian.signatures``;
    content-addressed, so the same image is stored once)."""
    return signatures.store_signature(store, signatures.decode_signature(value, field))
