"""`smtool account`: managed accounts and their tokens."""

from __future__ import annotations

import queue
import sys
import threading
from contextlib import nullcontext
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from smtool.cli import common
from smtool.config import config_path
from smtool.domain.words import noun
from smtool.errors import NotFound, UsageError
from smtool.i18n import N_, _, speaking
from smtool.services.installation.account_list import list_accounts

if TYPE_CHECKING:
    from smtool.services.context import Context

group = typer.Typer(help=N_("Managed social media accounts."), no_args_is_help=True)
# Platform tokens and app secrets are a few hundred characters; a longer line is not one.
MAX_SECRET_BYTES = 16_384


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="account")


@group.command("list", help=N_("List accounts with their platform, kind, spokespeople and token health."))
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    with common.open_context() as ctx:
        # `next_action` is advice in words; in --json it stays English, like every value a script
        # may compare, whatever the reader's language.
        with speaking("en") if as_json else nullcontext():
            accounts = list_accounts(ctx)
        common.note_unapplied_config(ctx)
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(
            [
                {
                    "id": a.id,
                    "platform": a.platform,
                    "handle": a.handle,
                    "kind": a.kind,
                    "token": a.token_status,
                    "token_set_at": a.token_set_at,
                    "sandbox": a.base_url,
                    "active": a.active,
                    "spokespeople": list(a.spokespeople),
                    "verified_handle": a.token_handle,
                    "scopes": list(a.token_scopes),
                    "token_expires_at": a.token_expires_at,
                    "token_refreshed_at": a.token_refreshed_at,
                    "token_problem": a.token_problem,
                    "next_action": a.health.action if a.health else None,
                }
                for a in accounts
            ]
        )
        return
    table = Table(
        _("id"),
        _("platform"),
        _("handle"),
        _("kind"),
        noun(1, "token", "tokens"),
        _("spokespeople"),
        _("active"),
    )
    # Token health in a table of its own: one row each still fits 80 columns.
    health = Table(
        _("id"), _("verified as"), _("expires"), _("refreshed"), _("next action"), title=_("Token health")
    )
    for a in accounts:
        table.add_row(
            common.inert(a.id),
            a.platform + (_(" (sandbox)") if a.base_url else ""),
            common.inert(a.handle),
            a.kind,
            a.token_status,
            common.inert(", ".join(a.spokespeople)),
            _("yes") if a.active else _("no"),
        )
        health.add_row(
            common.inert(a.id),
            common.inert(a.token_handle or ""),
            common.local_time(a.token_expires_at, zone, missing=_("never") if a.token_handle else ""),
            common.local_time(a.token_refreshed_at, zone, missing=""),
            a.health.action if a.health else "",
        )
    common.console.print(table)
    common.console.print(health)


def _secret_from_stdin(prompt: str) -> str:
    """A secret from a hidden prompt or one line of stdin, never from an argument (arguments end up
    in shell history and process lists)."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, default="", show_default=False))
    return common.stdin_text(MAX_SECRET_BYTES, _("the token or secret as one line of UTF-8 text"), line=True)


@group.command(
    "set-token",
    help=N_(
        "Store an account's access token, encrypted, once the platform says it speaks for"
        " the account. The token is read from a prompt or stdin, never from an argument."
    ),
)
def set_token_(
    account: str = typer.Argument(..., help=N_("Account id from config.toml.")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    # The token flows import the connectors: only the commands that use them pay for that.
    from smtool.services.installation.connect import set_token

    token = _secret_from_stdin(_("Token for {account}").format(account=account))
    if not token:
        raise UsageError(_("no token on standard input; pipe it in or run interactively"))
    with common.open_context() as ctx:
        try:
            connected = set_token(ctx, account, token, common.actor(as_user))
        except NotFound:
            # An account just added to config.toml is not in effect until applied: say so.
            common.note_unapplied_config(ctx)
            raise
    common.console.print(
        _(
            "Stored the token of {account} (encrypted); the platform says it speaks for {handle} (id {id})."
        ).format(
            account=common.inert(account),
            handle=common.inert(connected.handle),
            id=common.inert(connected.remote_id),
        )
    )


@group.command(
    "app",
    help=N_(
        "Set the installation's registered app on a platform. The secret (X: Client "
        "Secret, Meta: App Secret) is read from a prompt or stdin and stored encrypted; "
        "empty for an X public client."
    ),
)
def app_(
    platform: str = typer.Argument(..., help=N_("x or facebook.")),
    client_id: str = typer.Option(..., "--client-id", help=N_("X: OAuth 2.0 Client ID. Meta: App ID.")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    from smtool.services.installation.tokens import set_app

    secret = _secret_from_stdin(
        _("Secret of the {platform} app (empty for an X public client)").format(platform=platform)
    )
    with common.open_context() as ctx:
        set_app(ctx, platform, client_id, secret, common.actor(as_user))
    common.console.print(
        _("Stored the {platform} app {client_id}.").format(
            platform=common.inert(platform), client_id=common.inert(client_id)
        )
    )


CONNECT_WAIT_SECONDS = 600
PORT_HELP = N_("Loopback port of the redirect URI registered with the app.")


@group.command(
    "connect",
    help=N_(
        "Connect an account through the platform's consent page: open the printed "
        "address, sign in as the account and allow access. The browser comes back to "
        "http://127.0.0.1:PORT/callback; on a server reached over SSH, paste the address "
        "the browser ended on instead."
    ),
)
def connect_(
    account: str = typer.Argument(..., help=N_("Account id from config.toml.")),
    port: int = typer.Option(
        8765,
        "--port",
        min=1,
        max=65535,
        help=N_("Loopback port of the redirect URI registered with the app."),
    ),
    page: str | None = typer.Option(
        None, "--page", help=N_("Facebook: the Page id to connect, if not the configured one.")
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        _connect_flow(ctx, account, port, page, common.actor(as_user))


@group.command(
    "add",
    help=N_(
        "Add an account to config.toml, apply it (audited) and connect it through the "
        "platform's consent page, as `account connect` does."
    ),
)
def add_(
    account: str = typer.Argument(..., help=N_("A new account id (letters, digits, . _ -).")),
    platform: str = typer.Option(..., "--platform", help=N_("x or facebook.")),
    handle: str = typer.Option(
        ..., "--handle", help=N_("@name on X, the Page's name or username on Facebook.")
    ),
    spokespeople: list[str] = typer.Option(
        [], "--spokesperson", help=N_("A user who may speak here (repeat).")
    ),
    base_url: str | None = typer.Option(None, "--base-url", help=N_("The sandbox's address, for training.")),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help=PORT_HELP),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    from smtool.services.installation.directory import add_account

    entry: dict[str, object] = {"id": account, "platform": platform, "handle": handle}
    if spokespeople:
        entry["spokespeople"] = spokespeople
    if base_url:
        entry["base_url"] = base_url
    actor = common.actor(as_user)
    with common.open_context() as ctx:
        add_account(ctx, config_path(common.state.config_path), entry, actor)
        common.err_console.print(
            _("Added {account} to config.toml and applied it.").format(account=common.inert(account)),
            markup=False,
        )
        _connect_flow(ctx, account, port, None, actor)


def _connect_flow(ctx: Context, account: str, port: int, page: str | None, actor: str) -> None:
    from smtool.services.installation.connect import LoopbackRedirect, connect, picker

    with LoopbackRedirect(port) as loop:

        def redirect(url: str) -> str:
            common.err_console.print(
                _("Open this address in a browser, sign in as the account and allow access:")
            )
            print(url, flush=True)
            common.err_console.print(
                _(
                    "Waiting for the browser to come back to {address}; or paste the address it ended on "
                    "here and press Enter."
                ).format(address=loop.redirect_uri)
            )
            threading.Thread(target=_pasted, args=(loop.landed,), daemon=True).start()
            try:
                return loop.landed.get(timeout=CONNECT_WAIT_SECONDS)
            except queue.Empty:
                raise UsageError(
                    _("no answer from the browser within 10 minutes; run connect again")
                ) from None

        connected = connect(ctx, account, actor, loop.redirect_uri, redirect, picker(ctx, account, page))
    expires = common.local_time(connected.expires_at, ctx.settings.institution.timezone, missing=_("never"))
    common.console.print(
        _("Connected {account} as {handle} (id {id}); token expires: {expires}").format(
            account=common.inert(account),
            handle=common.inert(connected.handle),
            id=common.inert(connected.remote_id),
            expires=expires,
        )
        + (_("; refreshed automatically") if connected.refresh_token else "")
        + _("; scopes: {scopes}").format(scopes=common.inert(" ".join(connected.scopes)))
    )


def _pasted(landed: queue.Queue[str]) -> None:
    # Bytes, decoded leniently: in this thread a UnicodeDecodeError would print a traceback, and a
    # pasted address with bytes that are not UTF-8 is refused anyway when it is checked (its state).
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", "replace").strip()
        if line:
            landed.put(line)
            return
