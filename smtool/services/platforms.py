"""Building a connector for a managed account: the one place services meet connectors."""

from __future__ import annotations

from connectors.base import AccountRef, Connector, UnknownPlatform, load_connector_class
from smtool.errors import UsageError
from smtool.services.accounts import get_token
from smtool.services.context import Context
from smtool.store.tables import Account


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
