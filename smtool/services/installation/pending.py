"""What `smtool config apply` would change: config.toml's [[users]] and [[accounts]] against the
applied ones in the database (services.installation.directory applies them).

Its own module because every command that lists users or accounts says when the file differs
(`account list`, `user list`): it reads through services.people's Core queries, so those commands
import neither the ORM nor the audit log to say so (issue 21, item 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from smtool.config import Account as ConfiguredAccount
from smtool.config import Settings
from smtool.config import User as ConfiguredUser
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.people import stored_accounts, stored_users

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

Kind = Literal["user", "account"]
What = Literal["added", "changed", "deactivated"]
# How `describe` words each change; `kind` and `what` themselves are the --json values, never translated.
_DESCRIBED: dict[tuple[str, str], str] = {
    ("user", "added"): N_("user {name}: added"),
    ("user", "changed"): N_("user {name}: changed"),
    ("user", "deactivated"): N_("user {name}: deactivated"),
    ("account", "added"): N_("account {name}: added"),
    ("account", "changed"): N_("account {name}: changed"),
    ("account", "deactivated"): N_("account {name}: deactivated"),
}


class FieldChangeDict(TypedDict):
    field: str
    before: Any
    after: Any


class ChangeDict(TypedDict):
    kind: Kind
    name: str
    what: What
    fields: list[FieldChangeDict]


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    """One user or account whose applied entry differs from config.toml's."""

    kind: Kind
    name: str
    what: What
    fields: tuple[FieldChange, ...] = ()

    def describe(self) -> str:
        head = _(_DESCRIBED[self.kind, self.what]).format(name=self.name)
        if self.what == "deactivated":
            return head
        shown = "; ".join(f"{f.field} {_show(f.before)} -> {_show(f.after)}" for f in self.fields)
        return f"{head} ({shown})" if shown else head

    def as_dict(self) -> ChangeDict:
        return {
            "kind": self.kind,
            "name": self.name,
            "what": self.what,
            "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in self.fields],
        }


def pending_changes(session: Session | Connection, settings: Settings) -> list[Change]:
    """What `config apply` would change: config.toml's [[users]] and [[accounts]] against the database."""
    return _diff("user", _entries(stored_users(session)), _entries(settings.users)) + _diff(
        "account", _entries(stored_accounts(session)), _entries(settings.accounts)
    )


def pending_changes_of(ctx: Context, settings: Settings) -> list[Change]:
    with ctx.db.reader.connect() as connection, connection.begin():
        return pending_changes(connection, settings)


def _entries(models: Sequence[ConfiguredUser] | Sequence[ConfiguredAccount]) -> dict[str, dict[str, Any]]:
    return {_key(m): m.model_dump(mode="json") for m in models}


def _key(model: ConfiguredUser | ConfiguredAccount) -> str:
    return model.name if isinstance(model, ConfiguredUser) else model.id


def _diff(
    kind: Kind, stored: dict[str, dict[str, Any]], configured: dict[str, dict[str, Any]]
) -> list[Change]:
    changes: list[Change] = []
    for name, entry in configured.items():
        before = stored.get(name)
        if before is None:
            fields = tuple(FieldChange(k, None, v) for k, v in entry.items() if v not in (None, [], False))
            changes.append(Change(kind, name, "added", fields))
            continue
        differing = tuple(
            FieldChange(k, before.get(k), entry.get(k))
            for k in dict.fromkeys([*before, *entry])
            if before.get(k) != entry.get(k)
        )
        if differing:
            changes.append(Change(kind, name, "changed", differing))
    changes += [Change(kind, name, "deactivated") for name in stored if name not in configured]
    return changes


def _show(value: Any) -> str:
    if value is None:
        return _("(unset)")
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
