"""`smtool pause` and `smtool resume`: the crisis switch."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.errors import UsageError
from smtool.services.publishing.pauses import ALL, list_pauses, pause, resume


def register(app: typer.Typer) -> None:
    app.command("pause")(pause_)
    app.command("resume")(resume_)
    app.command("pauses")(pauses_)


def _scope(all_: bool, account: str | None) -> str:
    if all_ == (account is not None):
        raise UsageError("say what to pause or resume: --all or --account ID (one of them)")
    return ALL if all_ else str(account)


def pause_(
    all_: bool = typer.Option(False, "--all", help="Pause all publishing."),
    account: str | None = typer.Option(None, "--account", help="Pause one account."),
    reason: str = typer.Option("", "--reason", help="Why (shown to everyone; required)."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Pause publishing; scheduled posts wait and are not lost."""
    with common.open_context() as ctx:
        scope = _scope(all_, account)
        pause(ctx, common.acting_user(as_user), scope, reason)
    common.console.print(f"Paused {'all publishing' if scope == ALL else common.inert(scope)}.")


def resume_(
    all_: bool = typer.Option(False, "--all", help="Resume all publishing."),
    account: str | None = typer.Option(None, "--account", help="Resume one account."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Lift a pause; waiting posts go out (those past their window need approval again)."""
    with common.open_context() as ctx:
        scope = _scope(all_, account)
        resume(ctx, common.acting_user(as_user), scope)
    common.console.print(f"Resumed {'all publishing' if scope == ALL else common.inert(scope)}.")


def pauses_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """List active pauses."""
    with common.open_context() as ctx:
        rows = list_pauses(ctx)
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(
            [{"scope": p.scope, "reason": p.reason, "by": p.paused_by, "at": p.paused_at} for p in rows]
        )
        return
    for p in rows:
        what = "all publishing" if p.scope == ALL else p.scope
        common.console.print(
            f"{common.inert(what)}: {common.inert(p.reason)} "
            f"({p.paused_by}, {common.local_time(p.paused_at, zone)})",
        )
    if not rows:
        common.console.print("Publishing is not paused.")
