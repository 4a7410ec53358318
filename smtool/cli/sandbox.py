"""`smtool sandbox`: the local platform for training, demos and tests (X API v2 and Graph API)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from smtool.domain.words import clause
from smtool.errors import UsageError
from smtool.i18n import N_, _

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `sandbox` command group to `app`."""
    group = typer.Typer(
        name="sandbox",
        help=N_("Run the sandbox platform: X and Facebook on this machine, no internet needed."),
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command(
        "serve",
        help=N_(
            "Serve the sandbox in the foreground until Ctrl+C.\n"
            "\n"
            'The first line on stdout is one JSON object: {"base_url", "accounts": '
            '[{"platform", "id", "handle", "token"}]} with the OAuth 2 user token (X, sent as'
            " Bearer) or Page token (Facebook) each account accepts. Raises UsageError for an"
            " unreadable state file or a port in use."
        ),
    )(serve)
    app.add_typer(group)


DEFAULT_PORT = 8787


def _from_config() -> tuple[Path | None, int]:
    """The state file and port of a training installation made by `smtool init --sandbox`, so that
    `smtool sandbox serve` next to its config serves exactly its accounts and tokens."""
    from urllib.parse import urlsplit

    from smtool.cli.common import state as cli_state
    from smtool.cli.sandbox_setup import state_path
    from smtool.config import config_path, load_settings

    path = config_path(cli_state.config_path)
    if not path.exists():
        return None, DEFAULT_PORT
    settings = load_settings(path)
    urls = [a.base_url for a in settings.accounts if a.base_url]
    if not urls:
        return None, DEFAULT_PORT
    return state_path(path), urlsplit(urls[0]).port or DEFAULT_PORT


def serve(
    port: int | None = typer.Option(
        None,
        "--port",
        "-p",
        min=0,
        max=65535,
        help=N_("Port on 127.0.0.1 (0 picks a free one; default: the config's sandbox port, else 8787)."),
    ),
    state: Path | None = typer.Option(
        None,
        "--state",
        help=N_(
            "State file with accounts, tokens and posts. Created with new accounts if missing; "
            "without it nothing is kept after the sandbox stops."
        ),
    ),
    seed: int | None = typer.Option(
        None, "--seed", help=N_("Seed for ids and simulated citizens (replayable training).")
    ),
    verbose: bool = typer.Option(False, "--verbose", help=N_("Log every request to stderr.")),
) -> None:
    from connectors.emulator import SandboxServer, StateError, load_state, new_sandbox_state
    from connectors.emulator import write_state as save

    if state is None or port is None:
        configured_state, configured_port = _from_config()
        state = state or configured_state
        port = configured_port if port is None else port

    try:
        if state is not None and state.exists():
            sandbox_state = load_state(state)
        else:
            sandbox_state = new_sandbox_state(seed)
            if state is not None:
                save(sandbox_state, state)
    except StateError as e:
        raise UsageError(
            _("{problem}; move the file away to start a fresh sandbox").format(problem=clause(str(e)))
        ) from e
    except OSError as e:
        raise UsageError(
            _("cannot use state file {file}: {reason}").format(file=state, reason=e.strerror or e)
        ) from e
    try:
        server = SandboxServer(sandbox_state, port=port, seed=seed, state_path=state, quiet=not verbose)
    except OSError as e:
        raise UsageError(
            _("cannot listen on 127.0.0.1:{port}: {reason}").format(port=port, reason=e.strerror or e)
        ) from e
    announcement = {
        "base_url": server.base_url,
        "accounts": [
            {"platform": a.platform, "id": a.id, "handle": a.handle, "token": a.token}
            for a in server.accounts
        ],
    }
    print(json.dumps(announcement, ensure_ascii=False), flush=True)
    kept = _("state in {file}").format(file=state) if state is not None else _("state not kept (no --state)")
    print(
        _("Sandbox on {address}; {kept}. Ctrl+C stops it.").format(address=server.base_url, kept=kept),
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(_("Sandbox stopped."), file=sys.stderr)
