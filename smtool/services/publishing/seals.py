"""Seals: each publication signed with the installation's key when it is approved, checked before
every send.

An approval is a decision about exact content, and the publication row is where that content waits
for the worker. Without a seal, anyone able to write the database could change a row's text, replace
a media file, or insert an approval and a publication of their own; the worker would send it, and
`audit verify` would still pass (the chain records what smtool did, not what the rows hold now). So
`approval.approve_posts` and `replies.queue_reply` seal every publication they write, and the worker
(`outbox`) recomputes the seal's input from what it is about to send and holds the publication when
the signature does not match.

Why Ed25519 with the installation's signing key (`records.signing`) and not an HMAC key: the key
already exists (`smtool init`, 0600, readable by the service account only) and is never rotated,
since `smtool keys rotate` re-encrypts tokens under the separate *token* key, so seals survive a
rotation. A signature can also be checked with the public key alone: an auditor can check seals
without being able to make one, where anyone who could check an HMAC could forge it too. Signing and
checking cost well under a millisecond, nothing beside a platform call.

What is signed (`SEAL_VERSION`): a manifest with the SHA-256 of the canonical JSON of each field
(`SealFields`): the publication, post and approval ids, the approver, the account, the exact text,
each media item's SHA-256 and alt text in order (the worker reads the bytes from the
content-addressed media store and checks them against that hash before uploading, services.media),
the inbox item a reply answers and that item's
remote id, and `not_after`. Each field is encoded on its own as JSON, so no two different splits of
the same characters between fields give the same bytes. Signing the digests rather than the values
lets a mismatch name the field that changed, and that diagnosis can be trusted because the stored
manifest must itself carry a valid signature.

Publications written before seals existed cannot be signed by the migration (migrations hold no
key); `smtool db upgrade` seals the pending ones once, in one audited step, because before the
upgrade the database was the record trusted (installation.setup).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import inspect
from sqlmodel import Session, col, select

from smtool.domain.media import MediaEntry
from smtool.domain.states import PENDING_PUBLICATION_STATES, PublicationState
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.records.audit import canonical_json
from smtool.services.records.signing import load_signing_key, sign, signature_holds, signing_key_for
from smtool.store.engine import Database
from smtool.store.tables import Approval, InboxItem, Post, Publication, PublicationSeal

SEAL_VERSION = "smtool-seal-v1"
# States whose rows may still be sent (`unknown` may be rescheduled by reconciliation).
_UNSENT = sorted(
    (PENDING_PUBLICATION_STATES - {PublicationState.HELD})
    | {PublicationState.SENDING, PublicationState.UNKNOWN}
)


class SealFields(TypedDict):
    """Everything a send depends on, as the seal binds it."""

    publication_id: int
    post_id: int
    approval_id: int
    approver: str
    account_id: str
    text: str
    media: list[str]  # each item's SHA-256 in the media store, in order ("path:..." for an old entry)
    media_alt: list[str | None]  # each item's alt text, published with it
    reply_to_item_id: int | None
    reply_to_remote_id: str | None
    not_after: str | None  # ISO 8601 in UTC, to the microsecond


@dataclass(frozen=True)
class SealCheck:
    """The worker's verdict on a publication's seal."""

    ok: bool
    reason: str = ""
    differs: tuple[str, ...] = ()
    """Fields whose value is not the sealed one; empty when that cannot be told (no or forged seal)."""


def fields_for(session: Session, publication: Publication, media: Sequence[MediaEntry | str]) -> SealFields:
    """The seal's input as the rows say now, `media` being the post's media entries."""
    assert publication.id is not None
    approval = session.get(Approval, publication.approval_id)
    item = None
    if publication.reply_to_item_id is not None:
        item = session.get(InboxItem, publication.reply_to_item_id)
    return fields_of(
        publication_id=publication.id,
        post_id=publication.post_id,
        approval_id=publication.approval_id,
        approver=approval.approver if approval is not None else None,
        account_id=publication.account_id,
        text=publication.text,
        media=media,
        reply_to_item_id=publication.reply_to_item_id,
        reply_to_remote_id=item.remote_id if item is not None else None,
        not_after=publication.not_after,
    )


def fields_of(
    *,
    publication_id: int,
    post_id: int,
    approval_id: int,
    approver: str | None,
    account_id: str,
    text: str,
    media: Sequence[MediaEntry | str],
    reply_to_item_id: int | None,
    reply_to_remote_id: str | None,
    not_after: datetime | None,
) -> SealFields:
    """The seal's input from values already read (the outbox reads a whole batch in one query);
    `approver` is None when the approval row is missing."""
    return SealFields(
        publication_id=publication_id,
        post_id=post_id,
        approval_id=approval_id,
        approver=approver or "",
        account_id=account_id,
        text=text,
        media=[f"path:{m}" if isinstance(m, str) else m["sha256"] for m in media],
        media_alt=[None if isinstance(m, str) else m["alt"] for m in media],
        reply_to_item_id=reply_to_item_id,
        reply_to_remote_id=reply_to_remote_id,
        not_after=_instant(not_after),
    )


def manifest(fields: SealFields) -> dict[str, str]:
    """Each field's SHA-256 over its own canonical JSON."""
    return {
        name: hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
        for name, value in fields.items()
    }


def seal_message(digests: Mapping[str, str]) -> bytes:
    """The bytes that are signed: the version and the manifest, canonical JSON."""
    return canonical_json({"v": SEAL_VERSION, "fields": dict(digests)}).encode("utf-8")


def make_seal(key: Ed25519PrivateKey, fields: SealFields) -> str:
    """The text stored in `publication_seals.seal`: the manifest and its signature."""
    digests = manifest(fields)
    return canonical_json({"v": SEAL_VERSION, "fields": digests, "sig": sign(key, seal_message(digests))})


def seal(session: Session, publication: Publication, key: Ed25519PrivateKey | None = None) -> None:
    """Sign `publication` (flushed, so it has an id) with the installation's key, reading its post's
    media now. Raises SecretError when the signing key is missing or unreadable."""
    post = session.get(Post, publication.post_id)
    assert post is not None
    signer = key if key is not None else signing_key_for(session)
    assert publication.id is not None
    text = make_seal(signer, fields_for(session, publication, post.media))
    session.add(PublicationSeal(publication_id=publication.id, seal=text))


def check_seal(public: Ed25519PublicKey, stored: str | None, fields: SealFields) -> SealCheck:
    """Does `stored` seal exactly `fields`? When not, say why and, if it can be told, what changed."""
    if not stored:
        return SealCheck(False, _("it has no seal (written outside smtool's approval or reply)"))
    sealed = _parse(stored)
    if sealed is None:
        return SealCheck(False, _("its seal is unreadable"))
    digests, signature = sealed
    expected = manifest(fields)
    if digests == expected and signature_holds(public, seal_message(expected), signature):
        return SealCheck(True)
    if not signature_holds(public, seal_message(digests), signature):
        return SealCheck(False, _("its seal's signature does not hold (not made by this installation's key)"))
    differs = tuple(name for name in expected if digests.get(name) != expected[name])
    # The fields' names (text, media, ...) are the manifest's keys, shown as they are.
    return SealCheck(
        False, _("{fields} changed since it was sealed").format(fields=", ".join(differs)), differs
    )


def check_publication(
    session: Session, public: Ed25519PublicKey, publication: Publication, media: Sequence[MediaEntry | str]
) -> SealCheck:
    """The row's seal against the rows as they are and `media` (the bytes that would be sent), and
    the approval it names still standing."""
    stored = session.get(PublicationSeal, publication.id)
    approval = session.get(Approval, publication.approval_id)
    standing = approval is not None and approval.decision == "approved" and approval.voided_at is None
    fields = fields_for(session, publication, media)
    return check_sealed(public, stored.seal if stored else None, fields, approval_standing=standing)


def check_sealed(
    public: Ed25519PublicKey, stored: str | None, fields: SealFields, *, approval_standing: bool
) -> SealCheck:
    """`check_seal`, and the approval the row names still standing (approved, not voided)."""
    check = check_seal(public, stored, fields)
    if not check.ok:
        return check
    if not approval_standing:
        # A sealed row of a withdrawn or edited post, put back by hand into a state that sends.
        return SealCheck(
            False, _("its approval was voided (the post was withdrawn or edited)"), ("approval",)
        )
    return check


class SealProblem(TypedDict):
    """A publication that may still be sent but would be held: `publications verify`."""

    id: int
    post_id: int
    account: str
    state: str
    reason: str
    differs: list[str]


def unsent_problems(session: Session, public: Ed25519PublicKey) -> list[SealProblem]:
    """Every publication that may still be sent whose seal does not hold, by id."""
    rows = session.exec(
        select(Publication).where(col(Publication.state).in_(_UNSENT)).order_by(col(Publication.id))
    ).all()
    problems: list[SealProblem] = []
    for row in rows:
        post = session.get(Post, row.post_id)
        assert post is not None and row.id is not None
        check = check_publication(session, public, row, post.media)
        if not check.ok:
            problems.append(
                SealProblem(
                    id=row.id,
                    post_id=row.post_id,
                    account=row.account_id,
                    state=row.state,
                    reason=check.reason,
                    differs=list(check.differs),
                )
            )
    return problems


def _parse(stored: str) -> tuple[dict[str, str], str] | None:
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("v") != SEAL_VERSION:
        return None
    digests, signature = value.get("fields"), value.get("sig")
    if not isinstance(digests, dict) or not isinstance(signature, str):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items()):
        return None
    return digests, signature


def _instant(value: datetime | None) -> str | None:
    # One text per instant whatever the database handed back (SQLite: naive made UTC; PostgreSQL:
    # aware in the session's zone).
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def seal_unsealed(session: Session, key: Ed25519PrivateKey) -> list[int]:
    """Seal every unsent publication that has no seal yet; returns their ids.

    Only for `db upgrade` onto the schema that brought seals: rows written before it were trusted
    as the database held them. Anywhere else this would launder an inserted row.
    """
    rows = session.exec(
        select(Publication)
        .outerjoin(PublicationSeal, col(PublicationSeal.publication_id) == col(Publication.id))
        .where(col(PublicationSeal.publication_id).is_(None), col(Publication.state).in_(_UNSENT))
        .order_by(col(Publication.id))
    ).all()
    for row in rows:
        seal(session, row, key)
    return [row.id for row in rows if row.id is not None]


def sealing_due(db: Database) -> bool:
    """True when the database has publications but not yet their seals' table: the upgrade onto
    seals will have rows to seal (`seal_unsealed`)."""
    inspector = inspect(db.engine)
    return inspector.has_table("publications") and not inspector.has_table(PublicationSeal.__tablename__)


def verify_publications(ctx: Context) -> list[SealProblem]:
    """`smtool publications verify`: what the worker would hold if it were due now. Raises
    SecretError when the signing key is missing or unreadable."""
    public = load_signing_key(ctx.settings).public_key()
    with ctx.db.read() as session:
        return unsent_problems(session, public)
