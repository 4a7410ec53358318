"""Where services meet connectors: a connector for a managed account, and the connector's view of
our stored rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from connectors.base import (
    AccountRef,
    AuthExpired,
    Connector,
    Credentials,
    IncomingItem,
    MetricSnapshot,
    OutgoingPost,
    OwnPost,
    PublishedRef,
    UnknownPlatform,
    load_connector_class,
)
from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.installation.accounts import Current, fresh_token, fresh_tokens
from smtool.services.text import item_field, item_text
from smtool.store.tables import Account, InboxItem

# How use cases get a connector; tests and the worker pass their own (a cache, a sandbox).
ConnectorFactory = Callable[[Context, Account], Connector]


def account_ref(account: Account) -> AccountRef:
    return AccountRef(
        id=account.id, platform=account.platform, handle=account.handle, remote_id=account.remote_id
    )


def connector_for(ctx: Context, account: Account) -> Connector:
    """A connector for the account with its decrypted token; for an account whose token is
    refreshed (X through OAuth), one that moves to each new token (`RefreshingConnector`).

    Raises NotFound when no token is stored, SecretError when it cannot be decrypted, UsageError when
    no connector is installed for the platform.
    """
    return _connector_with(ctx, account, fresh_token(ctx, account.id))


def _connector_with(ctx: Context, account: Account, current: Current) -> Connector:
    def build(token: str) -> Connector:
        return connector_on(ctx, account, token)

    if current.recheck_at is None:
        return build(current.token)
    return RefreshingConnector(ctx, account, build, current)


class ConnectorCache:
    """One connector per account for the whole process: the worker's publishing, ingest and metrics
    jobs (on different threads) call it as their `ConnectorFactory`, so each account's client, HTTP
    session and token are built once, not once per job.

    A cached connector is kept while the account row shows the same token (`token_set_at`,
    `token_generation`) and address: a token set by an admin or rotated by a refresh, or a new
    `base_url`, gives a new connector at the next use without anyone having to forget the old one.
    Thread-safe; a build (a token read and a client object, no platform call) happens under the
    lock, so two threads missing at once get one connector.
    """

    def __init__(self, factory: ConnectorFactory = connector_for) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._built: dict[str, tuple[tuple[object, ...], Connector]] = {}

    @staticmethod
    def _key(account: Account) -> tuple[object, ...]:
        return (account.token_set_at, account.token_generation, account.base_url, account.platform)

    def __call__(self, ctx: Context, account: Account) -> Connector:
        """The account's connector; raises what the factory raises (no token, an unreadable one)."""
        key = self._key(account)
        with self._lock:
            cached = self._built.get(account.id)
            if cached is not None and cached[0] == key:
                return cached[1]
            connector = self._factory(ctx, account)
            self._built[account.id] = (key, connector)
            return connector

    def prepare(self, ctx: Context, accounts: Sequence[Account]) -> None:
        """Build the connectors of `accounts` not built yet, their tokens read in one query instead
        of one per account (a worker pass over a hundred accounts). Only for the standard
        factory; an account whose token cannot be had that way (see
        accounts.fresh_tokens) is left for its first use, which raises or refreshes."""
        if self._factory is not connector_for:
            return
        with self._lock:
            missing = [a for a in accounts if self._built.get(a.id, (None,))[0] != self._key(a)]
        if len(missing) < 2:
            return
        currents = fresh_tokens(ctx, [a.id for a in missing])
        with self._lock:
            for account in missing:
                current = currents.get(account.id)
                if current is None or self._built.get(account.id, (None,))[0] == self._key(account):
                    continue
                try:
                    connector = _connector_with(ctx, account, current)
                except UsageError:  # no connector for the platform: its first use says so
                    continue
                self._built[account.id] = (self._key(account), connector)

    def forget(self, account_id: str) -> None:
        """Drop the account's connector: the next use reads its token again."""
        with self._lock:
            self._built.pop(account_id, None)


def connector_on(ctx: Context, account: Account, token: str) -> Connector:
    """A connector for the account on a given token (one being connected, not yet stored).

    Raises UsageError when no connector is installed for the platform.
    """
    try:
        cls = load_connector_class(account.platform)
    except UnknownPlatform as e:
        raise UsageError(str(e)) from None
    return cls(  # type: ignore[call-arg]
        account_ref(account),
        token,
        base_url=ctx.platform_address(account),
        timeout=ctx.settings.publishing.request_timeout_seconds,
    )


T = TypeVar("T")


class RefreshingConnector:
    """A connector on a token that expires: callers (the outbox, ingest, metrics) keep connectors
    for hours, so this one asks the token store again once the token is due and rebuilds on the new
    token. A call the platform refuses as unauthorised is made once more when the stored token has
    changed meanwhile (another worker refreshed, or an admin reconnected): refused, nothing was done.
    """

    def __init__(
        self, ctx: Context, account: Account, build: Callable[[str], Connector], current: Current
    ) -> None:
        self.platform = account.platform
        self.account = account_ref(account)
        self._ctx, self._account_id, self._build = ctx, account.id, build
        self._lock = threading.Lock()
        self._token, self._recheck = current.token, current.recheck_at
        self._connector = build(current.token)

    def _current(self, force: bool = False) -> tuple[Connector, bool]:
        """The connector to use and whether it changed."""
        with self._lock:
            if force or (self._recheck is not None and self._ctx.clock() >= self._recheck):
                current = fresh_token(self._ctx, self._account_id)
                self._recheck = current.recheck_at
                if current.token != self._token:
                    self._token, self._connector = current.token, self._build(current.token)
                    return self._connector, True
            return self._connector, False

    def _call(self, call: Callable[[Connector], T]) -> T:
        connector, _ = self._current()
        try:
            return call(connector)
        except AuthExpired:
            connector, changed = self._current(force=True)
            if not changed:
                raise
            return call(connector)

    def __getattr__(self, name: str) -> Any:
        # Optional capabilities (search_recent, api_calls) of the connector underneath.
        return getattr(self._current()[0], name)

    def publish(self, post: OutgoingPost) -> PublishedRef:
        return self._call(lambda c: c.publish(post))

    def delete(self, ref: PublishedRef) -> None:
        self._call(lambda c: c.delete(ref))

    def reply(self, item: IncomingItem, text: str) -> PublishedRef:
        return self._call(lambda c: c.reply(item, text))

    def hide(self, item: IncomingItem) -> None:
        self._call(lambda c: c.hide(item))

    def unhide(self, item: IncomingItem) -> None:
        self._call(lambda c: c.unhide(item))

    def fetch_incoming(self, cursor: str | None) -> tuple[list[IncomingItem], str | None]:
        return self._call(lambda c: c.fetch_incoming(cursor))

    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[MetricSnapshot]:
        return self._call(lambda c: c.fetch_metrics(refs))

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        return self._call(lambda c: c.recent_own_posts(since))

    def verify_credentials(self) -> Credentials:
        return self._call(lambda c: c.verify_credentials())


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
