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


def without_smtool_settings() -> dict[str, str]:
    """This environment without the SMTOOL_* settings that would point smtool elsewhere, keeping the
    test's interface language (SMTOOL_LANG: English unless the test chose another; tests/conftest.py)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_") or k == "SMTOOL_LANG"}


def run_smtool(*args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    """Run the real command in a subprocess, as a person would, in the test's interface language."""
    environment = without_smtool_settings()
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
