"""`smtool tui`: the terminal UI where each role does its daily work.

With --sandbox it is the training set-up `make run` opens: the installation is created on first
run (database, sandbox accounts, a published post, simulated citizens' comments in the inbox),
the sandbox platform is served in-process, and a worker thread publishes what is due and polls
for new comments while the UI is open.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from smtool.cli import common
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context

if TYPE_CHECKING:
    from textual.app import App

# How often the in-process worker of a --sandbox session publishes and polls.
SANDBOX_TICK_SECONDS = 10.0
CITIZENS_PER_TICK = 1


def register(app: typer.Typer) -> None:
    app.command(
        "tui",
        help=N_(
            "Open the terminal UI: compose with the live checker, the calendar, approvals, "
            "the moderation queue, reports and the accounts; each user sees what their roles "
            "allow."
        ),
    )(tui)


def tui(
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
    screen: str | None = typer.Option(
        None,
        "--screen",
        help=N_(
            "Start on this screen: `compose`, `calendar`, `approvals`, `inbox`, `reports` or `accounts` "
            "(default: by role; a press officer starts in the inbox, an approver at the approvals)."
        ),
    ),
    sandbox: bool = typer.Option(
        False,
        "--sandbox",
        help=N_(
            "Training: create the installation on first run (with simulated citizens), serve its "
            "sandbox platform and run a worker in this process."
        ),
    ),
    port: int = typer.Option(
        8787, "--port", min=1, max=65535, help=N_("Sandbox port for a new training installation.")
    ),
) -> None:
    from smtool.tui.app import build_app

    user = common.acting_user(as_user)
    if not sandbox:
        with common.open_context() as ctx:
            _speak_to(user)
            app = build_app(ctx, user, screen)
            _require_terminal()
            app.run()
        _exit_like(app)
        return

    from smtool.cli import demo

    path, created = demo.ensure_installation(port)
    with common.open_context() as ctx:
        _speak_to(user)
        app = build_app(ctx, user, screen)  # refuses a bad user or screen before anything starts
        _require_terminal()
        with demo.training_sandbox(ctx, path) as platform:
            if created:
                demo.seed_citizens(ctx, platform)
            if platform.joined:
                app.run()  # the session serving the sandbox runs the worker and the citizens
            else:
                # Citizens keep writing while the training session lasts.
                with _worker_thread(ctx, lambda: platform.simulate(CITIZENS_PER_TICK)):
                    app.run()
    _exit_like(app)


def _speak_to(user: str) -> None:
    """The TUI speaks the person's language (--lang, SMTOOL_LANG, their `lang`, the institution's
    first): chosen again once the database is open, since a `lang` counts as applied there. Every
    label, key and dialog is read through the catalog when the app builds and draws it."""
    common.speak_to(user)


def _require_terminal() -> None:
    """Refuse before the screen is taken over when input or output is not a terminal: Textual would
    write escape codes into a pipe or a file and then wait for keys that never come."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            _(
                "smtool tui needs a terminal for its input and output (it is not one here); run it in a "
                "terminal, over SSH with `ssh -t`, or use the other commands (`smtool --help`) in scripts"
            )
        )


def _exit_like(app: App[None]) -> None:
    """Exit 1 when the app ended on a bug (it has said so, without a traceback)."""
    if app.return_code:
        raise typer.Exit(app.return_code)


@contextmanager
def _worker_thread(ctx: Context, before_pass: Callable[[], object]) -> Iterator[None]:
    """`before_pass` then the worker's pass, in a daemon thread until the block ends. Errors are
    left for the next pass: the UI shows publication states, and a training session must not die
    of a hiccup."""
    from smtool import worker

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(SANDBOX_TICK_SECONDS):
            try:
                before_pass()
                worker.run_once(ctx)
            except Exception:  # noqa: S112 - the next pass tries again; states show what happened
                continue

    thread = threading.Thread(target=loop, name="smtool-sandbox-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=SANDBOX_TICK_SECONDS)
