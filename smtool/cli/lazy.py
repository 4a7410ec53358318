"""A command group that imports a command's module only when that command is asked for.

Every smtool command is run on its own, often over SSH, so start-up is paid on every command:
importing all twenty command modules (and through them SQLAlchemy, alembic, the tables and the
checker) cost about a second even for `--help`. The root group knows each command's module and the
one-line summary that `smtool --help` shows from a static table (`Entry`); it imports a module the
first time one of its commands is resolved, and the listing in `--help` imports none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup
from typer.main import get_group

from smtool.cli.help_i18n import TranslatedContext, translate_command
from smtool.i18n import _

__all__ = ["Entry", "LazyGroup", "load_module"]


@dataclass(frozen=True)
class Entry:
    """Where a command lives and what `smtool --help` says of it.

    `module` is a module of smtool.cli with `register(app)`; `summary` is the command's short help as
    Click makes it from the full help (its first sentence), kept here so that listing the commands
    imports nothing: English, marked with N_, and shown in the reader's language like the help it
    summarises. A test checks both against the modules themselves.
    """

    module: str
    summary: str


def load_module(module: str, rich_markup_mode: Any = None) -> dict[str, Command]:
    """The Click commands that smtool.cli.`module` registers, by name, built as the root would."""
    app = typer.Typer(rich_markup_mode=rich_markup_mode)
    # __import__ rather than importlib.import_module: the import statement's machinery, which
    # `python -X importtime` reports (it does not see importlib's), so start-up stays measurable.
    __import__(f"smtool.cli.{module}", fromlist=["register"]).register(app)
    commands = dict(get_group(app).commands)
    for command in commands.values():
        translate_command(command)  # in the language help_i18n chose before parsing
    return commands


class _Commands(MutableMapping[str, Command]):
    """The group's commands: the table's names, each loaded (with its module's others) when first
    looked up; commands added later by `add_command` are kept as they are."""

    def __init__(self, table: Mapping[str, Entry], load: Callable[[str], dict[str, Command]]) -> None:
        self._table = table
        self._load = load
        self._loaded: dict[str, Command] = {}
        self._removed: set[str] = set()

    def __getitem__(self, name: str) -> Command:
        if name in self._removed:
            raise KeyError(name)
        if name not in self._loaded:
            entry = self._table[name]  # KeyError: no such command, as for a plain dict
            for loaded, command in self._load(entry.module).items():
                self._loaded.setdefault(loaded, command)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._removed.discard(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._removed.add(name)

    def __contains__(self, name: object) -> bool:
        return name not in self._removed and (name in self._table or name in self._loaded)

    def __iter__(self) -> Iterator[str]:
        # The table's order first (the order of `--help`), then anything added by add_command.
        return (n for n in dict.fromkeys([*self._table, *self._loaded]) if n not in self._removed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands are the `table` of a subclass, imported on first use."""

    table: ClassVar[Mapping[str, Entry]] = {}
    context_class = TranslatedContext

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        translate_command(self)  # the root's own help and options; it has no commands loaded yet
        lazy = _Commands(self.table, lambda module: load_module(module, self.rich_markup_mode))
        for name, command in self.commands.items():  # any given eagerly, e.g. by typer itself
            lazy[name] = command
        self.commands = lazy

    def list_commands(self, ctx: Context) -> list[str]:
        # TyperGroup's version reads every command (items()), which would import every module.
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The Commands section of `--help`, exactly as TyperGroup writes it, from the table's
        summaries (a command already loaded speaks for itself)."""
        commands = self.commands
        summaries: list[tuple[str, str | Command]] = []
        for name in self.list_commands(ctx):
            if isinstance(commands, _Commands) and not commands.is_loaded(name):
                summaries.append((name, _(self.table[name].summary)))
            elif not commands[name].hidden:
                summaries.append((name, commands[name]))
        if not summaries:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in summaries)
        rows = [
            (name, make_default_short_help(s, limit) if isinstance(s, str) else s.get_short_help_str(limit))
            for name, s in summaries
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
