"""A publication whose seal does not hold: what a person is told.

The worker (outbox) moves such a row to `held` and audits it; this module writes the alert it raises
through services.alerts: an inbox item of kind "alert" at the highest priority on the account's
queue, as takeover signs are. One alert per publication: a held row never becomes due again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from smtool.config import Settings
from smtool.i18n import _
from smtool.services import alerts
from smtool.services.publishing.seals import SealCheck
from smtool.store.tables import Account, Publication

FLAG = "seal_mismatch"


def held_message(publication: Publication, check: SealCheck) -> str:
    """Why the row was not sent and what a person does next (its `last_error`)."""
    return _(
        "not sent: {reason}. The database may have been changed after approval; check post "
        "{post}, then withdraw or edit it (a new approval sends it)"
    ).format(reason=check.reason, post=publication.post_id)


def raise_alert(
    session: Session,
    settings: Settings,
    publication: Publication,
    account: Account,
    check: SealCheck,
    now: datetime,
) -> bool:
    """Store the high-priority alert for a held publication; False when it already exists."""
    remote_id = f"smtool:seal:{publication.id}"
    text = _(
        "Publication {publication} on {handle} was held, not sent: {reason}. "
        "Someone with access to the database may have changed what was approved: find out who, "
        "then withdraw or edit post {post} (`smtool post withdraw`)."
    ).format(publication=publication.id, handle=account.handle, reason=check.reason, post=publication.post_id)
    return alerts.raise_alert(
        session,
        settings,
        account,
        remote_id=remote_id,
        text=text,
        raw={"alert": "seal mismatch", "publication_id": publication.id, "differs": list(check.differs)},
        flag=FLAG,
        now=now,
    )
