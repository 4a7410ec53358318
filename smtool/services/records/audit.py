"""The append-only, hash-chained audit log.

Each row stores SHA-256(previous hash + canonical JSON of the event). Rewriting, inserting or deleting
a row in the middle breaks the chain at that row, which `verify` reports. Appends are serialised (an
advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) so two writers never chain onto the same head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, text

from smtool.i18n import _
from smtool.services.records.attribution import _VIA
from smtool.store.engine import Database
from smtool.store.read_tables import audit_events
from smtool.store.types import utcnow

# Appending goes through the Core table: a read of citizens' data appends its row on a plain
# connection, and so imports neither sqlmodel nor the ORM's table classes (issue 21, item 6).
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from smtool.store.tables import AuditEvent

GENESIS = "0" * 64
# Names smtool's audit chain among PostgreSQL advisory locks. Advisory locks are database-wide, so
# the key includes the schema: installations in two schemas of one database do not wait on each other.
_AUDIT_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.smtool.audit', 0))"


# One encoder for every call: json.dumps with these options builds a new JSONEncoder each time, and
# the outbox hashes a dozen values per publication (audit lines, seal manifests). Same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept; the form that is hashed."""
    return _CANONICAL.encode(value)


def event_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: str,
) -> str:
    body = canonical_json(
        {
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _hashed(
    prev_hash: str, fixed: tuple[str, str], action: str, subject_type: str, subject_id: str, payload: str
) -> str:
    """`event_hash` with the actor and the time already encoded (`fixed`): canonical JSON of an
    object of strings is its sorted keys with each value encoded alone, so the text is the same."""
    actor, at = fixed
    body = (
        f'{{"action":{canonical_json(action)},"actor":{actor},"at":{at},'
        f'"payload":{canonical_json(payload)},"subject_id":{canonical_json(subject_id)},'
        f'"subject_type":{canonical_json(subject_type)}}}'
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Event:
    """One event to append (`append_many`)."""

    action: str
    subject_type: str
    subject_id: str | int
    payload: Mapping[str, Any] | None = None


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's write transaction (so it commits with the change).

    The payload gets "via" when the session's database was attributed
    (services.records.attribution.attribute_to).
    """
    from smtool.store.tables import AuditEvent

    (row,) = _append(session, actor, [Event(action, subject_type, subject_id, payload)])
    return AuditEvent.model_construct(**row)


def append_many(session: Session | Connection, actor: str, events: Sequence[Event]) -> None:
    """Append events by one actor in order, inside the caller's write transaction: the chain's head
    is read once and the rows go in with one bulk INSERT, in order (an import writes thousands at
    once, and holds the write lock for as short a time as it can)."""
    _append(session, actor, events)


def _append(session: Session | Connection, actor: str, events: Sequence[Event]) -> list[dict[str, Any]]:
    """`append_many`, returning the rows written (column values; no ORM objects, which cost more
    than the INSERT)."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text(_AUDIT_LOCK))
    last = session.execute(
        select(audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    via = bind.get_execution_options().get(_VIA)
    rows: list[dict[str, Any]] = []
    # One moment for the run (it is appended in one transaction), and the parts of the hashed text
    # that do not change from event to event encoded once: an import appends tens of thousands of
    # events while it holds the write lock. `_hashed` gives exactly what `event_hash` gives.
    at = utcnow()
    fixed = (canonical_json(actor), canonical_json(at.isoformat()))
    for event in events:
        event_payload = dict(event.payload or {})
        if via:
            event_payload["via"] = via
        body = canonical_json(event_payload)
        subject = str(event.subject_id)
        hashed = _hashed(prev, fixed, event.action, event.subject_type, subject, body)
        rows.append(
            {
                "at": at,
                "actor": actor,
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": subject,
                "payload": body,
                "prev_hash": prev,
                "hash": hashed,
            }
        )
        prev = hashed
    # Rows of one INSERT get ascending ids in the order given, which is the chain's order.
    session.execute(insert(audit_events), rows)  # Core: no ORM objects
    return rows


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    head_hash: str
    broken_id: int | None = None
    reason: str | None = None
    last_id: int = 0
    """Id of the last row that verified (0: none)."""


def verify(db: Database, batch: int = 5000, *, rows_limit: int | None = None) -> Verification:
    """Recompute the chain from the first row; report the first row that does not match.

    With `rows_limit` only the first that many rows are checked (the part an audit checkpoint covers).
    """
    from sqlmodel import col, select

    from smtool.store.tables import AuditEvent

    prev = GENESIS
    rows = 0
    last_id = 0
    with db.read() as session:
        while rows_limit is None or rows < rows_limit:
            size = batch if rows_limit is None else min(batch, rows_limit - rows)
            chunk = session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.id) > last_id)
                .order_by(col(AuditEvent.id))
                .limit(size)
            ).all()
            if not chunk:
                break
            for event in chunk:
                assert event.id is not None
                problem = _check(event, prev)
                if problem:
                    return Verification(False, rows, prev, event.id, problem, last_id)
                prev = event.hash
                rows += 1
                last_id = event.id
    return Verification(True, rows, prev, last_id=last_id)


def _check(event: AuditEvent, prev: str) -> str | None:
    if event.prev_hash != prev:
        return _("its previous-hash does not match the row before it (a row was removed or inserted)")
    expected = event_hash(
        prev,
        at=event.at,
        actor=event.actor,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        payload=event.payload,
    )
    if expected != event.hash:
        return _("its content does not match its hash (the row was changed)")
    return None
