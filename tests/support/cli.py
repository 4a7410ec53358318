"""Running the real `smtool` command, as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_smtool(*args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    """Run the real command in a subprocess, as a person would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_")}
    environment.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "smtool", *args],
        check=False,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
