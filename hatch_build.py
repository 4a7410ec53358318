"""Build hook: compile the interface's gettext catalogs (smtool/locale/*/LC_MESSAGES/*.po) into the
.mo files the wheel ships, so that an installation from a fresh clone speaks Latvian without `make`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        # smtool.i18n imports nothing of smtool (an import-linter contract), so it loads on its own
        # here, before smtool is installed: one compiler for the build, `make` and the runtime.
        spec = importlib.util.spec_from_file_location("smtool_i18n", Path(self.root, "smtool", "i18n.py"))
        assert spec is not None and spec.loader is not None
        i18n = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(i18n)
        for po in sorted(Path(self.root, "smtool", "locale").glob("*/LC_MESSAGES/*.po")):
            po.with_suffix(".mo").write_bytes(i18n.compile_catalog(po))
