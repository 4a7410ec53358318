"""`smtool config show`: the effective configuration, with secrets masked."""

from __future__ import annotations

import json
from typing import Any

import typer

from smtool.cli import common
from smtool.store.engine import describe_url

group = typer.Typer(help="Configuration.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="config")


@group.command("show")
def show(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """Show the configuration in effect (file plus SMTOOL_* overrides), passwords masked."""
    settings = common.settings()
    data = settings.model_dump(mode="json", exclude={"source"})
    data["database"]["url"] = describe_url(settings.database.url)
    if as_json:
        common.emit_json(data)
        return
    print(f"# {settings.source}")
    print(to_toml(data))


def to_toml(data: dict[str, Any]) -> str:
    """Render settings as TOML: scalar sections first, then arrays of tables."""
    lines: list[str] = []
    for section, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in value.items() if v is not None)
            lines.append("")
    for section, value in data.items():
        if isinstance(value, list):
            for table in value:
                lines.append(f"[[{section}]]")
                lines.extend(f"{k} = {_value(v)}" for k, v in table.items() if v is not None)
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML.
    return json.dumps(value, ensure_ascii=False)
