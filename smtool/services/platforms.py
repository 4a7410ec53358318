"""Where services meet connectors: a connector for a managed account, and the connector's view of
our stored rows."""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import AccountRef, Connector, IncomingItem, UnknownPlatform, load_connector_class
from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.installation.accounts import get_token
from smtool.services.text import item_field, item_text
from smtool.store.tables import Account, InboxItem

# How use cases get a connector; tests and the worker pass their own (a cache, a sandbox).
ConnectorFactory = Callable[[Context, Account], Connector]


def account_ref(account: Account) -> AccountRef:
    return AccountRef(
        id=account.id, platform=account.platform, handle=account.handle, remote_id=account.remote_id
    )


def connector_for(ctx: Context, account: Account) -> Connector:
    """A connector for the account with its decrypted token.

    Raises NotFound when no token is stored, SecretError when it cannot be decrypted, UsageError when
    no connector is installed for the platform.
    """
    token = get_token(ctx, account.id)
    try:
        cls = load_connector_class(account.platform)
    except UnknownPlatform as e:
        raise UsageError(str(e)) from None
    return cls(  # type: ignore[call-arg]
        account_ref(account),
        token,
        base_url=account.base_url,
        timeout=ctx.settings.publishing.request_timeout_seconds,
    )


def incoming_item(item: InboxItem) -> IncomingItem:
    """The connector's view of a stored item (to reply to it, hide it or unhide it)."""
    kind = item.kind if item.kind in ("mention", "comment", "reply", "mention_elsewhere") else "mention"
    return IncomingItem(
        platform=item.platform,
        remote_id=item.remote_id,
        account_id=item.account_id,
        kind=kind,  # type: ignore[arg-type]
        author_id=item.author_id or "",
        author_name=item_field(item, item.author_name) or "",
        author_handle=item_field(item, item.author_handle) or "",
        text=item_text(item),
        created_at=item.created_at,
        parent_remote_id=item.parent_remote_id,
        thread_remote_id=item.thread_remote_id,
        raw=item.raw,
    )
