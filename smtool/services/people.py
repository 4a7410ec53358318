"""Who the people of an installation are and what they may do: their roles."""

from __future__ import annotations

from smtool.config import Settings
from smtool.errors import PermissionDenied


def user_roles(settings: Settings, name: str) -> list[str]:
    """The roles of a configured user; raises PermissionDenied for an unknown user."""
    user = settings.user(name)
    if user is None:
        raise PermissionDenied(f"{name!r} is not a user of this installation (config.toml [[users]])")
    return list(user.roles)
