"""`smtool tui`: the terminal UI where each role does its daily work."""

from __future__ import annotations

import typer

from smtool.cli import common


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)


def tui(
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
    screen: str | None = typer.Option(
        None,
        "--screen",
        help="Start on this screen: compose, calendar, approvals, inbox, reports or accounts (default: by "
        "role; a press officer starts in the inbox, an approver at the approvals).",
    ),
) -> None:
    """Open the terminal UI: compose with the live checker, the calendar, approvals, the moderation
    queue and the accounts; each user sees what their roles allow."""
    from smtool.tui.app import build_app

    user = common.acting_user(as_user)
    with common.open_context() as ctx:
        build_app(ctx, user, screen).run()
