"""`smtool init --sandbox`: a training installation whose accounts live on the sandbox platform.

The sandbox's state file (accounts, tokens, what was posted) sits next to config.toml as
sandbox.json, so `smtool sandbox serve` run with that config serves exactly those accounts and
accepts exactly the tokens stored (encrypted) in the database.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from connectors.emulator import Sandbox, SandboxServer, load_state, new_sandbox_state, write_state
from smtool.errors import UsageError
from smtool.i18n import _
from smtool.services.installation.setup import SandboxAccountSpec, sandbox_config

STATE_FILE = "sandbox.json"
ACCOUNT_IDS = {"x": "sandbox-x", "facebook": "sandbox-fb"}
# A training session lasts an hour, not the days a post's audience takes: on a training sandbox a
# minute is ten hours of simulated audience, and the worker measures the figures every half minute,
# so the reports show impressions, likes and shares that grow while people train.
AUDIENCE_SPEED = 600.0
TRAINING_METRICS = """
[metrics]
interval_minutes = 0.5          # a training sandbox's audience is fast (sandbox.json audience_speed)
"""


def state_path(config: Path) -> Path:
    return config.parent / STATE_FILE


def prepare_sandbox_init(config: Path, port: int) -> tuple[str, list[SandboxAccountSpec]]:
    """Config text for the sandbox accounts and their tokens; creates sandbox.json if missing.

    Raises UsageError when a config file already exists (it would not get the sandbox accounts) or
    the state file cannot be read.
    """
    if config.exists():
        raise UsageError(
            _(
                "{file} already exists; `smtool init --sandbox` creates a new training installation. "
                "Run it in an empty folder or with --config pointing to a new file."
            ).format(file=config)
        )
    path = state_path(config)
    try:
        state = load_state(path) if path.exists() else new_sandbox_state(audience_speed=AUDIENCE_SPEED)
        if not path.exists():
            config.parent.mkdir(parents=True, exist_ok=True)
            write_state(state, path)
    except (OSError, ValueError) as e:
        raise UsageError(
            _("cannot use the sandbox state {file}: {reason}").format(file=path, reason=e)
        ) from None
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
    return TRAINING_METRICS + sandbox_config(f"http://127.0.0.1:{port}", specs), specs


def free_port(port: int) -> int:
    """`port` if nothing listens on it, else one the system picks: a new training installation
    should not fail because another one (or anything else) already uses the default port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class TrainingSandbox:
    """A training installation's sandbox platform: served by this process (`served`), or joined
    where another `make run` of the same installation already serves it (`served` is None)."""

    base_url: str
    served: Sandbox | None

    @property
    def joined(self) -> bool:
        return self.served is None

    def published(self, platform: str) -> list[dict[str, Any]]:
        """What the institution's accounts put on `platform`, oldest first."""
        if self.served is not None:
            return self.served.published(platform)
        answer: list[dict[str, Any]] = _control(self.base_url, f"published?platform={platform}")
        return answer

    def simulate(self, count: int) -> None:
        """Let `count` simulated citizens write (only where this process serves the sandbox: the
        process serving it lets its own citizens write)."""
        if self.served is not None:
            self.served.simulate(count)


@contextmanager
def training_sandbox(config: Path, base_url: str) -> Iterator[TrainingSandbox]:
    """Serve the installation's sandbox on its port for the block, or join the one another process
    (a first `make run`) already serves for this installation.

    Raises UsageError when the port is taken by anything else.
    """
    port = int(base_url.rsplit(":", 1)[1].rstrip("/"))
    path = state_path(config)
    try:
        server = SandboxServer(load_state(path), port=port, state_path=path)
    except OSError as e:
        if _serves_this_installation(base_url, path):
            yield TrainingSandbox(base_url, None)
            return
        raise UsageError(
            _(
                "cannot start the sandbox on port {port}: {reason}, and it is not this training "
                "installation's sandbox. Stop the program that uses the port, then run this again."
            ).format(port=port, reason=e.strerror or e)
        ) from None
    with server:
        yield TrainingSandbox(base_url, server.sandbox)


def _serves_this_installation(base_url: str, state: Path) -> bool:
    """Whether the sandbox answering at `base_url` holds this installation's accounts and tokens
    (tokens are random per installation, so another training installation never matches)."""
    try:
        answer = _control(base_url, "accounts")
        ours = {(a.platform, a.id, a.token) for a in load_state(state).accounts}
        theirs = {(a.get("platform"), a.get("id"), a.get("token")) for a in answer}
    except (UsageError, OSError, ValueError, TypeError, AttributeError):
        return False
    return bool(ours) and ours == theirs


def _control(base_url: str, endpoint: str) -> Any:
    """GET a control endpoint of a sandbox served elsewhere. Raises UsageError when it does not answer."""
    try:
        with urlopen(Request(f"{base_url}/_sandbox/{endpoint}"), timeout=5) as response:  # noqa: S310
            return json.loads(response.read())
    except (URLError, OSError, ValueError) as e:
        raise UsageError(
            _("the training sandbox at {address} does not answer: {reason}").format(
                address=base_url, reason=e
            )
        ) from None
