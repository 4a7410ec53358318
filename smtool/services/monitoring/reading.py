"""The queue and its items as people read them: role-checked and audited (services.citizen_data).

`queue_pages.list_items`, `show_item` and `surroundings` are the store reads; every command and
screen that shows citizens' data to a person goes through this module instead, which checks the
reader's role and scope and leaves one audit row per read. `record=False` is for a screen that
re-reads what this person already opened (its periodic refresh): the role is still checked, the
audit log is not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

from smtool.errors import PermissionDenied
from smtool.i18n import _
from smtool.services.citizen_data import Reader, reader, record_read
from smtool.services.context import Context
from smtool.services.monitoring import queue_pages
from smtool.services.monitoring.queue_pages import Page, Surroundings
from smtool.services.monitoring.views import InboxItemDetail, InboxItemView
from smtool.services.refusals import audits_refusals

# Page and Surroundings are re-exported: the screens that show them name their types from here.
__all__ = ["ItemRead", "Page", "Surroundings", "read_item", "read_queue"]


@audits_refusals("inbox.list")
def read_queue(
    ctx: Context,
    actor: str,
    *,
    state: str | None = None,
    team: str | None = None,
    flag: str | None = None,
    search: str | None = None,
    limit: int = 50,
    include_closed: bool = False,
    after: str | None = None,
    record: bool = True,
) -> Page:
    """One page of the queue (see queue_pages.list_items) for `actor`; a specialist's is their team's.

    Raises PermissionDenied (no role to read citizens' data, another team, a specialist with no
    team) and what list_items raises.
    """
    person = reader(ctx, actor)
    if not person.reads_all:
        if person.team is None:
            raise PermissionDenied(
                _(
                    "{user} has no team in config.toml; a specialist lists only their team's items "
                    "(ask for the item by id: smtool inbox show ID)"
                ).format(user=actor)
            )
        if team not in (None, person.team):
            raise PermissionDenied(
                _("{user} may list only their own team's items ({team})").format(user=actor, team=person.team)
            )
        team = person.team
    page = queue_pages.list_items(
        ctx,
        state=state,
        team=team,
        flag=flag,
        search=search,
        limit=limit,
        include_closed=include_closed,
        after=after,
    )
    if record:
        filters = {
            "state": state,
            "team": team,
            "flag": flag,
            "search": search,
            "limit": limit,
            "all": include_closed,
            "after": after,
        }
        record_read(ctx, actor, "inbox.list", filters, len(page.items))
    return page


@dataclass(frozen=True)
class ItemRead:
    item: InboxItemDetail
    around: Surroundings  # empty unless asked for


@audits_refusals("inbox.show")
def read_item(ctx: Context, actor: str, item_id: int, *, around: int = 0, record: bool = True) -> ItemRead:
    """One item in full (queue_pages.show_item), with up to `around` items of its thread and its author's
    earlier items; a specialist sees only their own and their team's. Raises PermissionDenied,
    NotFound."""
    person = reader(ctx, actor)
    item = queue_pages.show_item(ctx, item_id)
    _require_readable(person, item)
    context = queue_pages.surroundings(ctx, item_id, limit=around) if around else Surroundings([], [])
    visible = Surroundings(_readable(person, context.thread), _readable(person, context.earlier))
    if record:
        shown = [item_id] + [i["id"] for i in visible.thread] + [i["id"] for i in visible.earlier]
        record_read(ctx, actor, "inbox.show", {"item": item_id, "around": around}, len(shown), shown)
    return ItemRead(item, visible)


def _require_readable(person: Reader, item: InboxItemView) -> None:
    if not person.may_read(item["assigned_to"], item["team"]):
        raise PermissionDenied(
            _("{user} may read only {scope}; inbox item {item} is for {owner}").format(
                user=person.name,
                scope=person.scope(),
                item=item["id"],
                owner=item["assigned_to"] or item["team"] or _("no one yet"),
            )
        )


def _readable(person: Reader, items: list[InboxItemView]) -> list[InboxItemView]:
    return [i for i in items if person.may_read(i["assigned_to"], i["team"])]
