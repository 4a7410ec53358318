"""An installation whose accounts live on an in-process sandbox platform."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from connectors.emulator import SandboxServer
from smtool.services.installation.setup import SandboxAccountSpec, initialise, sandbox_config

PUBLISHING = """
[publishing]
lease_seconds = 5
retry_base_seconds = 1
reconcile_grace_seconds = 0
request_timeout_seconds = 5
tick_seconds = 0.2
"""


@dataclass
class Sandbox:
    server: SandboxServer
    config: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(self, platform: str, kind: str, endpoint: str | None = None, count: int = 1) -> None:
        body: dict[str, Any] = {"platform": platform, "kind": kind, "count": count}
        if endpoint:
            body["endpoint"] = endpoint
        self.control("POST", "faults", body)

    def published(self, platform: str = "x") -> list[dict[str, Any]]:
        return list(self.control("GET", f"published?platform={platform}"))


def write_installation(folder: Path, db_url: str, server: SandboxServer) -> Path:
    specs = [
        SandboxAccountSpec(
            id={"x": "sandbox-x", "facebook": "sandbox-fb"}[a.platform],
            platform=a.platform,
            handle=a.handle,
            remote_id=a.id,
            token=a.token,
        )
        for a in server.state.accounts
    ]
    config = folder / "config.toml"
    text = (
        f'[institution]\nname = "Testa iestāde"\n\n[database]\nurl = "{db_url}"\n'
        + PUBLISHING
        + sandbox_config(server.base_url, specs)
    )
    config.write_text(text, encoding="utf-8")
    initialise(config, actor="test", sandbox_accounts=specs)
    return config
