"""Who may read citizens' data, and the audit row every read leaves (issue 15, item 7).

Citizens' comments, names and handles are personal data. Reading them needs
Action.READ_CITIZEN_DATA (press officers, specialists, managers, admins; not communicators or
approvers alone), and every read by a person is audited as one `citizen_data.read` row: what was
read (inbox.list, inbox.show, inbox.proposals, archive.export), with which filters, how many items
and, for one item, its id. One row per command or per item opened in the TUI, never one per row
listed, so the log shows who looked at what without drowning in it.

A specialist reads only the items assigned to them or routed to their team: that is what their
work needs. Every other role that may read reads every item. The installation's operator (the OS
account that owns the database file and could read it anyway) may export the archive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from smtool.domain.roles import Action, Role, can, require
from smtool.errors import PermissionDenied
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.people import is_operator, user_roles
from smtool.services.records import audit

READ = "citizen_data.read"

What = Literal["inbox.list", "inbox.show", "inbox.proposals", "archive.export"]
# Filters as the command was given them: names to plain values (None for not given).
Filters = Mapping[str, str | int | bool | None]


@dataclass(frozen=True)
class Reader:
    """A person allowed to read citizens' data, and how much of it."""

    name: str
    team: str | None
    reads_all: bool  # False: a specialist, limited to their own and their team's items

    def may_read(self, assigned_to: str | None, team: str | None) -> bool:
        return self.reads_all or assigned_to == self.name or (self.team is not None and team == self.team)

    def scope(self) -> str:
        return _("items assigned to them or routed to their team ({team})").format(
            team=self.team or _("no team")
        )


# The helpers below are steps of audited use cases (they take `name`, not `actor`): the use case
# that calls them audits their refusals (services.refusals).


def reader(ctx: Context, name: str) -> Reader:
    """The person as a reader; raises PermissionDenied for a role that may not read citizens' data."""
    roles = user_roles(ctx.settings, name)
    require(name, roles, Action.READ_CITIZEN_DATA)
    others = [r for r in roles if r != Role.SPECIALIST]
    configured = ctx.settings.user(name)
    return Reader(name, configured.team if configured else None, can(others, Action.READ_CITIZEN_DATA))


def require_whole_reader(ctx: Context, name: str, what: str) -> None:
    """Refuse anyone who may not read every item (`what` says what needs that): the operator may."""
    if is_operator(name):
        return
    person = reader(ctx, name)
    if not person.reads_all:
        raise PermissionDenied(
            _(
                "{user} may read only {scope}; {what} holds every item's citizens' data "
                "(a press officer, manager or admin may)"
            ).format(user=name, scope=person.scope(), what=_(what))
        )


def record_read(
    ctx: Context, name: str, what: What, filters: Filters, count: int, item_ids: list[int] | None = None
) -> None:
    """Append the read's one audit row in a transaction of its own."""
    payload: dict[str, object] = {"what": what, "filters": dict(filters), "items": count}
    if item_ids is not None:
        payload["item_ids"] = item_ids
    # A plain connection's transaction (BEGIN IMMEDIATE on SQLite, as Database.write's): a listing
    # needs no ORM session, whose import would cost the command more than its whole query.
    with ctx.db.engine.begin() as connection:
        audit.append_many(connection, name, [audit.Event(READ, "citizen_data", what, payload)])
