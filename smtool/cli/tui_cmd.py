"""`smtool tui`: the terminal UI for drafting posts and working the moderation queue."""

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
        help="Start on this screen: compose or inbox (default: inbox for a press officer, else compose).",
    ),
) -> None:
    """Open the terminal UI: compose posts with the live checker, or work the moderation queue."""
    from smtool.tui.app import build_app

    user = common.acting_user(as_user)
    with common.open_context() as ctx:
        build_app(ctx, user, screen).run()
