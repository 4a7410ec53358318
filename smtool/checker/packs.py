"""Where the bundled policy packs are: the `policies` package, found with importlib.resources.

The packs are data inside the `policies` package (the repository's policies/ folder, shipped in the
wheel), so an editable install and an installed wheel find them the same way, whatever the working
directory.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from smtool.checker.loader import PolicyError

PACKAGE = "policies"

__all__ = ["PACKAGE", "default_policies_dir"]


# Found once per process: where a package is installed does not change while it runs, and every
# check asks (importlib.resources and a stat cost about 0.1 ms, half as much as checking a short post).
@lru_cache(maxsize=1)
def default_policies_dir() -> Path:
    """The folder of the bundled packs (one subfolder per pack).

    Raises PolicyError when the `policies` package is not installed, or is not a folder on disk (an
    install from a zip archive, for example); SMTOOL_POLICIES_DIR or --policies then name a folder.
    """
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise PolicyError(
            f"the bundled policy packs are missing (no {PACKAGE!r} package in this installation); "
            "reinstall smtool, or set SMTOOL_POLICIES_DIR to a policies folder"
        ) from None
    # A package in an ordinary folder gives a real Path; a zip or namespace package gives a Traversable.
    if not isinstance(root, Path) or not root.is_dir():
        raise PolicyError(
            f"the bundled policy packs ({root}) are not a folder on disk; "
            "set SMTOOL_POLICIES_DIR to a policies folder"
        )
    return root
