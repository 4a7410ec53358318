"""`smtool pause` and `smtool resume`: the crisis switch."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.publishing.pauses import ALL, list_pauses, pause, resume


def register(app: typer.Typer) -> None:
    app.command("pause", help=N_("Pause publishing; scheduled posts wait and are not lost."))(pause_)
    app.command(
        "resume", help=N_("Lift a pause; waiting posts go out (those past their window need approval again).")
    )(resume_)
    app.command("pauses", help=N_("List active pauses."))(pauses_)


def _scope(all_: bool, account: str | None) -> str:
    if all_ == (account is not None):
        raise UsageError(_("say what to pause or resume: --all or --account ID (one of them)"))
    return ALL if all_ else str(account)


def _scope_name(scope: str) -> str:
    return _("all publishing") if scope == ALL else common.inert(scope)


def pause_(
    all_: bool = typer.Option(False, "--all", help=N_("Pause all publishing.")),
    account: str | None = typer.Option(None, "--account", help=N_("Pause one account.")),
    reason: str = typer.Option("", "--reason", help=N_("Why (shown to everyone; required).")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        scope = _scope(all_, account)
        pause(ctx, common.acting_user(as_user), scope, reason)
    common.console.print(_("Paused {what}.").format(what=_scope_name(scope)))


def resume_(
    all_: bool = typer.Option(False, "--all", help=N_("Resume all publishing.")),
    account: str | None = typer.Option(None, "--account", help=N_("Resume one account.")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        scope = _scope(all_, account)
        resume(ctx, common.acting_user(as_user), scope)
    common.console.print(_("Resumed {what}.").format(what=_scope_name(scope)))


def pauses_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    with common.open_context() as ctx:
        rows = list_pauses(ctx)
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(
            [{"scope": p.scope, "reason": p.reason, "by": p.paused_by, "at": p.paused_at} for p in rows]
        )
        return
    for p in rows:
        common.console.print(
            f"{_scope_name(p.scope)}: {common.inert(p.reason)} "
            f"({p.paused_by}, {common.local_time(p.paused_at, zone)})",
        )
    if not rows:
        common.console.print(_("Publishing is not paused."))
