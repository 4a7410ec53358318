"""Alerts smtool raises itself: an inbox item of kind "alert" at the highest priority.

A press officer works alerts where they work everything else, on the account's queue. Publishing (a
held publication) and the token store (a refresh that failed, a token about to run out) raise them
through this one function; monitoring's takeover signs are built by ingest itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from smtool.config import Settings
from smtool.domain.inbox_states import PRIORITY_ALERT
from smtool.services.context import working_time
from smtool.store.tables import Account, InboxItem


def raise_alert(
    session: Session,
    settings: Settings,
    account: Account,
    *,
    remote_id: str,
    text: str,
    raw: dict[str, Any],
    flag: str,
    now: datetime,
) -> bool:
    """Add the alert unless one with this `remote_id` exists on the account's platform (one alert per
    cause, however often it is found); False when it already existed."""
    exists = session.exec(
        select(InboxItem.id).where(InboxItem.platform == account.platform, InboxItem.remote_id == remote_id)
    ).first()
    if exists is not None:
        return False
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
            raw=raw,
            priority=PRIORITY_ALERT,
            flags=[flag],
            team=settings.inbox.default_team,
            response_due_at=working_time(settings).add(now, settings.inbox.target_first_response_minutes),
        )
    )
    return True
