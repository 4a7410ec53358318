"""A publication whose seal does not hold: what a person is told.

The worker (outbox) moves such a row to `held` and audits it; this module writes the alert it raises
the way every alert is raised: an inbox item of kind "alert" at the highest priority on the
account's queue, as takeover signs are (services.monitoring.takeover, which publishing may not
import). One alert per publication: a held row never becomes due again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from smtool.config import Settings
from smtool.domain.inbox_states import PRIORITY_ALERT
from smtool.services.context import working_time
from smtool.services.publishing.seals import SealCheck
from smtool.store.tables import Account, InboxItem, Publication

FLAG = "seal_mismatch"


def held_message(publication: Publication, check: SealCheck) -> str:
    """Why the row was not sent and what a person does next (its `last_error`)."""
    return (
        f"not sent: {check.reason}. The database may have been changed after approval; check post "
        f"{publication.post_id}, then withdraw or edit it (a new approval sends it)"
    )


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
    taken = session.exec(
        select(InboxItem.id).where(InboxItem.platform == account.platform, InboxItem.remote_id == remote_id)
    ).first()
    if taken is not None:
        return False
    text = (
        f"Publication {publication.id} on {account.handle} was held, not sent: {check.reason}. "
        "Someone with access to the database may have changed what was approved: find out who, "
        f"then withdraw or edit post {publication.post_id} (`smtool post withdraw`)."
    )
    session.add(
        InboxItem(
            platform=account.platform,
            remote_id=remote_id,
            account_id=account.id,
            kind="alert",
            author_name="smtool",
            text=text,
            created_at=now,
            fetched_at=now,
            raw={"alert": "seal mismatch", "publication_id": publication.id, "differs": list(check.differs)},
            priority=PRIORITY_ALERT,
            flags=[FLAG],
            team=settings.inbox.default_team,
            response_due_at=working_time(settings).add(now, settings.inbox.target_first_response_minutes),
        )
    )
    return True
