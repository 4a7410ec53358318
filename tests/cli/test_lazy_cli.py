"""The root command imports a command's module only when that command is asked for (issue 21, item 6).

Times are not asserted (they depend on the machine; benchmarks/bench_cli.py prints them); which modules
a command imports is deterministic, and is what makes start-up slow or fast.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click import Context, HelpFormatter
from typer.core import TyperGroup
from typer.main import get_command, get_group

from smtool.cli.lazy import load_module
from smtool.cli.main import COMMANDS, app
from smtool.store.migrate import head_revision, newest_revision_in_files
from tests.support.cli import run_smtool

# The database stack and the configuration's validation: none of them is needed to print help.
DATABASE_STACK = ("sqlalchemy", "sqlmodel", "alembic", "smtool.store.tables", "smtool.services.context")
# What a read command does without (issue 21, item 6): the ORM and the table classes built on it.
ORM = ("sqlmodel", "sqlalchemy.orm", "smtool.store.tables")


def _eager_commands() -> dict[str, object]:
    """Every command, registered the old way: every module into one app."""
    eager = typer.Typer(rich_markup_mode=None)
    for module in dict.fromkeys(entry.module for entry in COMMANDS.values()):
        __import__(f"smtool.cli.{module}", fromlist=["register"]).register(eager)
    return dict(get_group(eager).commands)


def test_the_table_names_every_command_its_module_and_its_summary() -> None:
    eager = _eager_commands()
    # The same commands, in the same order (the order of `smtool --help`).
    assert list(COMMANDS) == list(eager)
    for name, entry in COMMANDS.items():
        command = load_module(entry.module)[name]
        assert command.get_short_help_str(10_000) == entry.summary, name
        assert not command.hidden and not command.deprecated, name


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_listing_in_help_is_what_the_loaded_commands_would_print(width: int) -> None:
    root = get_command(app)
    ctx = Context(root, info_name="smtool")
    lazy, eager = HelpFormatter(width=width), HelpFormatter(width=width)
    root.format_commands(ctx, lazy)
    assert "check" in lazy.getvalue()
    TyperGroup.format_commands(root, ctx, eager)  # reads (and so imports) every command
    assert lazy.getvalue() == eager.getvalue()


def _imported(*args: str, cwd: Path) -> set[str]:
    """The modules a real `smtool ARGS` process imported, as Python's -X importtime reports them."""
    done = run_smtool(*args, cwd=cwd, env={"PYTHONPROFILEIMPORTTIME": "1", "SMTOOL_USER": "liga"})
    assert "Traceback" not in done.err, done.err
    timings = [line.split("|") for line in done.err.splitlines() if line.startswith("import time:")]
    modules = {fields[2].strip() for fields in timings if len(fields) == 3}
    assert "smtool.cli.main" in modules, done.err
    return modules


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(f"{p}.") for p in prefixes)}


def test_help_imports_no_command_module_and_no_database(tmp_path: Path) -> None:
    modules = _imported("--help", cwd=tmp_path)
    assert "smtool.cli.main" in modules
    assert not _loaded(modules, (*DATABASE_STACK, "pydantic", "smtool.config", "smtool.checker", "rich"))
    command_modules = {f"smtool.cli.{entry.module}" for entry in COMMANDS.values()}
    assert not modules & command_modules


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    modules = _imported("check", "--help", cwd=tmp_path)
    assert "smtool.cli.check" in modules
    assert not _loaded(modules, (*DATABASE_STACK, "smtool.checker"))
    others = {f"smtool.cli.{entry.module}" for entry in COMMANDS.values()} - {"smtool.cli.check"}
    assert not modules & others


def test_a_database_read_imports_neither_alembic_nor_the_checker(tmp_path: Path) -> None:
    installed = run_smtool("init", "--sandbox", cwd=tmp_path)
    assert installed.code == 0, installed.err
    modules = _imported("inbox", "list", cwd=tmp_path)
    assert "sqlalchemy" in modules and "smtool.cli.inbox" in modules  # it did read the database
    # The schema stamp is read with one query when it is the head; replies (checked) are not loaded.
    assert not _loaded(modules, ("alembic", "smtool.checker", "smtool.services.monitoring.queue"))
    # The page and its audit row go through Core tables (store.read_tables): no ORM.
    assert not _loaded(modules, ORM)
    others = {f"smtool.cli.{entry.module}" for entry in COMMANDS.values()} - {"smtool.cli.inbox"}
    assert not modules & others


def test_account_list_imports_neither_the_orm_nor_the_token_flows(tmp_path: Path) -> None:
    installed = run_smtool("init", "--sandbox", cwd=tmp_path)
    assert installed.code == 0, installed.err
    modules = _imported("account", "list", cwd=tmp_path)
    assert "smtool.services.installation.account_list" in modules  # it did read the accounts
    assert not _loaded(modules, (*ORM, "connectors", "smtool.services.installation.tokens"))


def test_the_head_read_from_the_revision_files_is_alembic_s() -> None:
    assert newest_revision_in_files() == head_revision()


def test_commands_of_one_module_and_typos_still_resolve(tmp_path: Path) -> None:
    root = get_command(app)
    assert isinstance(root, TyperGroup)
    ctx = Context(root, info_name="smtool")
    # pause, resume and pauses come from one module: each is found, the module loaded once.
    assert [root.get_command(ctx, n) is not None for n in ("pause", "resume", "pauses")] == [True] * 3
    assert root.get_command(ctx, "nonsense") is None
    assert root.list_commands(ctx) == list(COMMANDS)
    done = subprocess.run(
        [sys.executable, "-m", "smtool", "inbx"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "No such command 'inbx'. Did you mean 'inbox'?" in done.stderr
