"""`smtool tui`: who starts where, and refusals before the terminal is taken over."""

from __future__ import annotations

import pytest

from smtool.errors import PermissionDenied, UsageError
from smtool.tui.app import build_app
from tests.cli.conftest import run_smtool

from .conftest import Installation


def test_a_press_officer_starts_in_the_inbox_and_others_in_compose(installation: Installation) -> None:
    starts = {user: build_app(installation.ctx, user).start for user in ("liga", "anna", "karlis", "martins")}
    assert starts == {"liga": "inbox", "anna": "compose", "karlis": "compose", "martins": "compose"}
    assert build_app(installation.ctx, "anna", "inbox").start == "inbox"


def test_unknown_users_and_screens_are_refused(installation: Installation) -> None:
    with pytest.raises(PermissionDenied):
        build_app(installation.ctx, "mallory")
    with pytest.raises(UsageError, match="compose, inbox"):
        build_app(installation.ctx, "anna", "reports")


def test_the_command_reports_refusals_without_a_traceback(installation: Installation) -> None:
    config = str(installation.config)
    cwd = installation.config.parent
    unknown = run_smtool("--config", config, "tui", "--as", "mallory", cwd=cwd)
    assert unknown.code == 1 and "Not allowed" in unknown.err and "Traceback" not in unknown.err
    screen = run_smtool("--config", config, "tui", "--as", "anna", "--screen", "reports", cwd=cwd)
    assert screen.code == 2 and "unknown screen" in screen.err and "Traceback" not in screen.err
    nobody = run_smtool("--config", config, "tui", cwd=cwd)
    assert nobody.code == 2 and "--as USER" in nobody.err
