"""`smtool init --sandbox`: a training installation whose accounts live on the sandbox platform.

The sandbox's state file (accounts, tokens, what was posted) sits next to config.toml as
sandbox.json, so `smtool sandbox serve` run with that config serves exactly those accounts and
accepts exactly the tokens stored (encrypted) in the database.
"""

from __future__ import annotations

from pathlib import Path

from connectors.emulator import load_state, new_sandbox_state, write_state
from smtool.errors import UsageError
from smtool.services.installation.setup import SandboxAccountSpec, sandbox_config

STATE_FILE = "sandbox.json"
ACCOUNT_IDS = {"x": "sandbox-x", "facebook": "sandbox-fb"}


def state_path(config: Path) -> Path:
    return config.parent / STATE_FILE


def prepare_sandbox_init(config: Path, port: int) -> tuple[str, list[SandboxAccountSpec]]:
    """Config text for the sandbox accounts and their tokens; creates sandbox.json if missing.

    Raises UsageError when a config file already exists (it would not get the sandbox accounts) or
    the state file cannot be read.
    """
    if config.exists():
        raise UsageError(
            f"{config} already exists; `smtool init --sandbox` creates a new training installation. "
            "Run it in an empty folder or with --config pointing to a new file."
        )
    path = state_path(config)
    try:
        state = load_state(path) if path.exists() else new_sandbox_state()
        if not path.exists():
            config.parent.mkdir(parents=True, exist_ok=True)
            write_state(state, path)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot use the sandbox state {path}: {e}") from None
    specs = [
        SandboxAccountSpec(
            id=ACCOUNT_IDS[a.platform],
            platform=a.platform,
            handle=a.handle,
            remote_id=a.id,
            token=a.token,
        )
        for a in state.accounts
        if a.platform in ACCOUNT_IDS
    ]
    return sandbox_config(f"http://127.0.0.1:{port}", specs), specs
