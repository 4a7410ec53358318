"""Connecting an account: the platform's consent flow, the token checked with the platform, stored.

X: OAuth 2.0 Authorization Code with PKCE; the person opens the printed URL, consents, and the browser
lands on the redirect (a loopback port here, or the address pasted back). Facebook: Facebook Login's
manual flow, the long-lived user token, the Page picked, its Page token checked by debug_token.
Whatever the flow, the token is refused unless the platform says it speaks for the configured account.
A token stored by hand (`set-token`) is checked the same way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any

from connectors.base import AuthExpired, ConnectorError, Credentials, OAuthApp, PageChoice, TokenGrant
from smtool.errors import NotFound, SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.installation.accounts import clean_token, release_waiting_publications
from smtool.services.installation.tokens import (
    PLATFORM_NAMES,
    AppFactory,
    Connected,
    expiry,
    oauth_app,
    store_connected,
)
from smtool.services.people import require_manager
from smtool.services.platforms import connector_on
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account

# What a Page connector needs: publish, read comments and insights, moderate comments.
REQUIRED_PAGE_SCOPES = ("pages_manage_posts", "pages_read_engagement", "pages_manage_engagement")

# Given the consent URL, the URL the browser was sent back to.
Redirect = Callable[[str], str]
# Given the Pages the person manages, the one to connect.
PagePicker = Callable[[list[PageChoice]], PageChoice]


class ConnectFailed(SmtoolError):
    """The platform did not give a usable token for the account; nothing was stored."""

    exit_code = 1
    default_title = N_("Not connected")


def _name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def _account(ctx: Context, account_id: str) -> Account:
    with ctx.db.read() as session:
        account = session.get(Account, account_id)
    if account is None or not account.active:
        raise NotFound(_("no account {account}; see `smtool account list`").format(account=repr(account_id)))
    return account


def check_identity(ctx: Context, account: Account, token: str) -> Credentials:
    """Ask the platform whom `token` speaks for; refuse one for another account than configured.

    Raises ConnectFailed naming both accounts, or saying why the platform refused the token.
    """
    try:
        who = connector_on(ctx, account, token).verify_credentials()
    except AuthExpired as e:
        raise ConnectFailed(
            _("{platform} refused the token for {account}: {message}").format(
                platform=_name(account.platform), account=account.id, message=e.platform_message
            )
        ) from None
    except ConnectorError as e:
        raise ConnectFailed(
            _("could not ask {platform} whom the token speaks for (nothing was stored): {message}").format(
                platform=_name(account.platform), message=e.platform_message
            )
        ) from None
    configured = f"{account.id} ({account.handle}" + (
        f", id {account.remote_id})" if account.remote_id else ")"
    )
    same = who.remote_id == account.remote_id if account.remote_id else _same_handle(who, account.handle)
    if not same:
        raise ConnectFailed(
            _(
                "the token speaks for {handle} (id {id}), not for {configured}; sign in "
                "to {platform} as {expected} and connect again"
            ).format(
                handle=who.handle,
                id=who.remote_id,
                configured=configured,
                platform=_name(account.platform),
                expected=account.handle,
            )
        )
    return who


def _same_handle(who: Credentials, handle: str) -> bool:
    wanted = handle.lstrip("@").casefold()
    return wanted in (who.handle.lstrip("@").casefold(), who.name.casefold())


@audits_refusals("account.connect")
def connect(
    ctx: Context,
    account_id: str,
    actor: str,
    redirect_uri: str,
    redirect: Redirect,
    pick: PagePicker,
    apps: AppFactory = oauth_app,
) -> Connected:
    """Run the account's platform consent flow and store the verified token.

    Raises NotFound, PermissionDenied, UsageError (no app set up), ConnectFailed; nothing is stored then.
    """
    require_manager(ctx.settings, actor)
    account = _account(ctx, account_id)
    app = apps(ctx, account.platform, ctx.platform_address(account))
    landed = redirect(app.authorization_url(redirect_uri))
    try:
        grant = app.finish(landed)
        if account.platform == "facebook":
            connected = _page(ctx, account, app, grant, pick)
        else:
            who = check_identity(ctx, account, grant.access_token)
            connected = Connected(
                access_token=grant.access_token,
                refresh_token=grant.refresh_token,
                expires_at=expiry(ctx.clock(), grant),
                scopes=grant.scopes,
                remote_id=who.remote_id,
                handle=who.handle,
            )
    except ConnectorError as e:
        raise ConnectFailed(
            _("{platform} did not connect {account}: {message}").format(
                platform=_name(account.platform), account=account_id, message=e.platform_message
            )
        ) from None
    _store(ctx, account_id, connected, actor, "account.connect")
    return connected


@audits_refusals("account.set_token")
def set_token(
    ctx: Context, account_id: str, token: str, actor: str, apps: AppFactory = oauth_app
) -> Connected:
    """Store a token pasted by hand once the platform says it speaks for the account (for a Page,
    with the installation's Meta app set up, debug_token gives its expiry and permissions too).

    Raises NotFound, UsageError, PermissionDenied, ConnectFailed; nothing is stored then.
    """
    require_manager(ctx.settings, actor)
    token = clean_token(token)
    account = _account(ctx, account_id)
    who = check_identity(ctx, account, token)
    connected = Connected(token, None, None, (), who.remote_id, who.handle)
    if account.platform == "facebook":
        try:
            info = apps(ctx, account.platform, ctx.platform_address(account)).inspect(token)
        except UsageError:
            info = None  # no Meta app set up: the identity check above is what can be known
        except ConnectorError as e:
            raise ConnectFailed(
                _("Facebook's debug_token failed: {message}").format(message=e.platform_message)
            ) from None
        if info is not None:
            if not info.valid:
                raise ConnectFailed(
                    _("Facebook says the token of {account} is not valid").format(account=account_id)
                )
            connected = replace(
                connected,
                expires_at=info.expires_at,
                scopes=info.scopes,
                access_expires_at=info.data_access_expires_at,
            )
    _store(ctx, account_id, connected, actor, "account.set_token")
    return connected


def _page(ctx: Context, account: Account, app: OAuthApp, user: TokenGrant, pick: PagePicker) -> Connected:
    pages = app.pages(user.access_token)
    if not pages:
        raise ConnectFailed(
            _(
                "the Facebook user who consented manages no Page (or did not grant pages_show_list); "
                "sign in as a Page admin and connect again"
            )
        )
    page = pick(pages)
    info = app.inspect(page.access_token)
    if info is None or not info.valid or info.kind != "PAGE" or info.profile_id != page.id:
        raise ConnectFailed(
            _("Facebook's debug_token does not confirm a valid token of Page {page}").format(page=page.name)
        )
    missing = [s for s in REQUIRED_PAGE_SCOPES if s not in info.scopes]
    if missing:
        raise ConnectFailed(
            _("the Page token lacks the permissions {permissions}; connect again and allow them").format(
                permissions=", ".join(missing)
            )
        )
    who = check_identity(ctx, account, page.access_token)
    return Connected(
        access_token=page.access_token,
        refresh_token=None,
        expires_at=info.expires_at,
        scopes=info.scopes,
        remote_id=who.remote_id,
        handle=who.handle,
        access_expires_at=info.data_access_expires_at,
    )


def _store(ctx: Context, account_id: str, connected: Connected, actor: str, action: str) -> None:
    """Store a verified token on the account, release publications waiting for one, audit it."""
    now = ctx.clock()
    with ctx.db.write() as session:
        # The row is locked before the keys are read, so a key rotation that holds the row either
        # sees this token (and re-encrypts it) or has already put the new key in the file.
        account = session.get(Account, account_id, with_for_update=True)
        if account is None or not account.active:
            raise NotFound(
                _("no account {account}; see `smtool account list`").format(account=repr(account_id))
            )
        store_connected(session, ctx, account, connected)
        waiting = release_waiting_publications(session, account_id, now)
        # The token itself never enters the audit log.
        audit.append(
            session,
            actor=actor,
            action=action,
            subject_type="account",
            subject_id=account_id,
            payload={
                "released_publications": waiting,
                "remote_id": connected.remote_id,
                "handle": connected.handle,
                "scopes": list(connected.scopes),
                "expires_at": _iso(connected.expires_at),
                "refreshable": connected.refresh_token is not None,
            },
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def picker(ctx: Context, account_id: str, page_id: str | None) -> PagePicker:
    """The Page a person named (--page), else the configured one. Raises NotFound."""
    if page_id is None:
        return page_matching(_account(ctx, account_id))

    def pick(pages: list[PageChoice]) -> PageChoice:
        for page in pages:
            if page.id == page_id:
                return page
        names = ", ".join(f"{p.name} (id {p.id})" for p in pages)
        raise UsageError(_("no Page {page} among those granted: {pages}").format(page=page_id, pages=names))

    return pick


def page_matching(account: Account) -> PagePicker:
    """A picker that takes the configured Page (by id, else by name or handle) and refuses otherwise."""

    def pick(pages: list[PageChoice]) -> PageChoice:
        for page in pages:
            if page.id == account.remote_id or page.name.casefold() == account.handle.lstrip("@").casefold():
                return page
        names = ", ".join(f"{p.name} (id {p.id})" for p in pages)
        raise UsageError(
            _("none of the Pages granted is {handle}: {pages}; choose one with --page ID").format(
                handle=account.handle, pages=names
            )
        )

    return pick


# --- the browser's way back -------------------------------------------------------------------------


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 for the platform's redirect (RFC 8252 loopback).

    ``with LoopbackRedirect(port) as loop:`` then ``loop.redirect_uri`` for the app settings and
    ``loop.landed`` (a queue) receives the full URL the browser was sent to.
    """

    def __init__(self, port: int, path: str = "/callback") -> None:
        self.landed: queue.Queue[str] = queue.Queue()
        landed, wanted = self.landed, path

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not self.path.startswith(wanted):
                    self.send_error(404)
                    return
                landed.put(f"http://{self.headers.get('host', '127.0.0.1')}{self.path}")
                body = b"smtool received the answer; you can close this window.\n"
                self.send_response(200)
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as e:
            raise UsageError(
                _("cannot listen on 127.0.0.1:{port} ({reason}); choose another --port").format(
                    port=port, reason=e.strerror
                )
            ) from None
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}{path}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def __enter__(self) -> LoopbackRedirect:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
