"""The tree, the README and the import contracts tell a newcomer the same story.

Each flow package under smtool/services/ is in the README's layout table with exactly its modules, its
`__init__` docstring names every module it holds, and the import-linter contracts name only packages
that exist. A module added, moved or renamed without updating the map fails here.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "smtool" / "services"


def _flow_packages() -> dict[str, set[str]]:
    """Each package directly under services/ with the modules (and subpackages) it holds."""
    flows: dict[str, set[str]] = {}
    for init in sorted(SERVICES.glob("*/__init__.py")):
        package = init.parent
        flows[package.name] = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
            p.parent.name for p in package.glob("*/__init__.py")
        }
    return flows


def _readme_table() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table: dict[str, set[str]] = {}
    for package, modules in re.findall(r"^\| `(\w+)/` \|[^|]*\| ([^|]*) \|$", text, re.MULTILINE):
        table[package] = {re.sub(r"[/\s].*", "", m.strip()) for m in modules.split(",")}
    return table


def test_every_flow_package_is_in_the_readme_with_its_modules() -> None:
    assert _readme_table() == _flow_packages()


@pytest.mark.parametrize("package", sorted(_flow_packages()))
def test_each_flow_package_says_what_lives_there(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((SERVICES / package / "__init__.py").read_text(encoding="utf-8")))
    assert docstring, f"services/{package}/__init__.py has no docstring"
    unnamed = {m for m in _flow_packages()[package] if not re.search(rf"\b{m}\b", docstring)}
    assert not unnamed, f"services/{package}/__init__.py does not say what {sorted(unnamed)} hold"


def test_the_services_map_names_every_flow_and_shared_module() -> None:
    docstring = ast.get_docstring(ast.parse((SERVICES / "__init__.py").read_text(encoding="utf-8"))) or ""
    shared = {p.stem for p in SERVICES.glob("*.py") if p.stem != "__init__"}
    missing = {name for name in shared | set(_flow_packages()) if f"`{name}" not in docstring}
    assert not missing, f"smtool/services/__init__.py does not name {sorted(missing)}"


def test_import_contracts_name_only_modules_that_exist() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    named: set[str] = set()
    for contract in config["tool"]["importlinter"]["contracts"]:
        for key in ("source_modules", "forbidden_modules", "layers"):
            for entry in contract.get(key, []):
                named.update(part.strip() for part in entry.split("|"))
    ours = {name for name in named if name.split(".")[0] in ("smtool", "connectors")}
    missing = {
        name
        for name in ours
        if not (ROOT / Path(*name.split("."))).with_suffix(".py").exists()
        and not (ROOT / Path(*name.split("."))).is_dir()
    }
    assert not missing, f"contracts name modules that do not exist: {sorted(missing)}"
