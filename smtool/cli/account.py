"""`smtool account`: managed accounts and their tokens."""

from __future__ import annotations

import queue
import sys
import threading

import typer
from rich.table import Table

from smtool.cli import common
from smtool.config import config_path
from smtool.errors import NotFound, UsageError
from smtool.services.context import Context
from smtool.services.installation.accounts import list_accounts
from smtool.services.installation.connect import LoopbackRedirect, connect, picker, set_token
from smtool.services.installation.directory import add_account
from smtool.services.installation.tokens import set_app

group = typer.Typer(help="Managed social media accounts.", no_args_is_help=True)
# Platform tokens and app secrets are a few hundred characters; a longer line is not one.
MAX_SECRET_BYTES = 16_384


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="account")


@group.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """List accounts with their platform, kind, spokespeople and token health."""
    with common.open_context() as ctx:
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
    table = Table("id", "platform", "handle", "kind", "token", "spokespeople", "active")
    # Token health in a table of its own: one row each still fits 80 columns.
    health = Table("id", "verified as", "expires", "refreshed", "next action", title="Token health")
    for a in accounts:
        table.add_row(
            common.inert(a.id),
            a.platform + (" (sandbox)" if a.base_url else ""),
            common.inert(a.handle),
            a.kind,
            a.token_status,
            common.inert(", ".join(a.spokespeople)),
            "yes" if a.active else "no",
        )
        health.add_row(
            common.inert(a.id),
            common.inert(a.token_handle or ""),
            common.local_time(a.token_expires_at, zone, missing="never" if a.token_handle else ""),
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
    return common.stdin_text(MAX_SECRET_BYTES, "the token or secret as one line of UTF-8 text", line=True)


@group.command("set-token")
def set_token_(
    account: str = typer.Argument(..., help="Account id from config.toml."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Store an account's access token, encrypted, once the platform says it speaks for the account.
    The token is read from a prompt or stdin, never from an argument."""
    token = _secret_from_stdin(f"Token for {account}")
    if not token:
        raise UsageError("no token on standard input; pipe it in or run interactively")
    with common.open_context() as ctx:
        try:
            connected = set_token(ctx, account, token, common.actor(as_user))
        except NotFound:
            # An account just added to config.toml is not in effect until applied: say so.
            common.note_unapplied_config(ctx)
            raise
    common.console.print(
        f"Stored the token of {common.inert(account)} (encrypted); the platform says it speaks for "
        f"{common.inert(connected.handle)} (id {common.inert(connected.remote_id)})."
    )


@group.command("app")
def app_(
    platform: str = typer.Argument(..., help="x or facebook."),
    client_id: str = typer.Option(..., "--client-id", help="X: OAuth 2.0 Client ID. Meta: App ID."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Set the installation's registered app on a platform. The secret (X: Client Secret, Meta: App
    Secret) is read from a prompt or stdin and stored encrypted; empty for an X public client."""
    secret = _secret_from_stdin(f"Secret of the {platform} app (empty for an X public client)")
    with common.open_context() as ctx:
        set_app(ctx, platform, client_id, secret, common.actor(as_user))
    common.console.print(f"Stored the {common.inert(platform)} app {common.inert(client_id)}.")


CONNECT_WAIT_SECONDS = 600
PORT_HELP = "Loopback port of the redirect URI registered with the app."


@group.command("connect")
def connect_(
    account: str = typer.Argument(..., help="Account id from config.toml."),
    port: int = typer.Option(
        8765, "--port", min=1, max=65535, help="Loopback port of the redirect URI registered with the app."
    ),
    page: str | None = typer.Option(
        None, "--page", help="Facebook: the Page id to connect, if not the configured one."
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Connect an account through the platform's consent page: open the printed address, sign in as
    the account and allow access. The browser comes back to http://127.0.0.1:PORT/callback; on a
    server reached over SSH, paste the address the browser ended on instead."""
    with common.open_context() as ctx:
        _connect_flow(ctx, account, port, page, common.actor(as_user))


@group.command("add")
def add_(
    account: str = typer.Argument(..., help="A new account id (letters, digits, . _ -)."),
    platform: str = typer.Option(..., "--platform", help="x or facebook."),
    handle: str = typer.Option(..., "--handle", help="@name on X, the Page's name or username on Facebook."),
    spokespeople: list[str] = typer.Option([], "--spokesperson", help="A user who may speak here (repeat)."),
    base_url: str | None = typer.Option(None, "--base-url", help="The sandbox's address, for training."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help=PORT_HELP),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Add an account to config.toml, apply it (audited) and connect it through the platform's consent
    page, as `account connect` does."""
    entry: dict[str, object] = {"id": account, "platform": platform, "handle": handle}
    if spokespeople:
        entry["spokespeople"] = spokespeople
    if base_url:
        entry["base_url"] = base_url
    actor = common.actor(as_user)
    with common.open_context() as ctx:
        add_account(ctx, config_path(common.state.config_path), entry, actor)
        common.err_console.print(
            f"Added {common.inert(account)} to config.toml and applied it.", markup=False
        )
        _connect_flow(ctx, account, port, None, actor)


def _connect_flow(ctx: Context, account: str, port: int, page: str | None, actor: str) -> None:
    with LoopbackRedirect(port) as loop:

        def redirect(url: str) -> str:
            common.err_console.print(
                "Open this address in a browser, sign in as the account and allow access:"
            )
            print(url, flush=True)
            common.err_console.print(
                f"Waiting for the browser to come back to {loop.redirect_uri}; "
                "or paste the address it ended on here and press Enter."
            )
            threading.Thread(target=_pasted, args=(loop.landed,), daemon=True).start()
            try:
                return loop.landed.get(timeout=CONNECT_WAIT_SECONDS)
            except queue.Empty:
                raise UsageError("no answer from the browser within 10 minutes; run connect again") from None

        connected = connect(ctx, account, actor, loop.redirect_uri, redirect, picker(ctx, account, page))
    expires = common.local_time(connected.expires_at, ctx.settings.institution.timezone, missing="never")
    common.console.print(
        f"Connected {common.inert(account)} as {common.inert(connected.handle)} "
        f"(id {common.inert(connected.remote_id)}); token expires: {expires}"
        + ("; refreshed automatically" if connected.refresh_token else "")
        + f"; scopes: {common.inert(' '.join(connected.scopes))}"
    )


def _pasted(landed: queue.Queue[str]) -> None:
    # Bytes, decoded leniently: in this thread a UnicodeDecodeError would print a traceback, and a
    # pasted address with bytes that are not UTF-8 is refused anyway when it is checked (its state).
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", "replace").strip()
        if line:
            landed.put(line)
            return
