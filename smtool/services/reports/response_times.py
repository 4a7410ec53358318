"""Response times: how fast citizens got a first answer and a resolution, per team and account.

Times are working minutes of the institution's calendar (domain.working_time), the same measure the inbox
uses for its targets. Citizens' messages are comments, replies and mentions created in the period;
spam and takeover alerts are not messages someone waits an answer to. A share within target counts
only items whose outcome is known: answered, or already past their target.
"""

# SQL here is formatted only from this package's constants; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from smtool.config import Inbox
from smtool.domain.inbox_states import OPEN_STATES, InboxState
from smtool.domain.working_time import WorkClock
from smtool.i18n import N_
from smtool.services.context import Context, working_time
from smtool.services.reports.aggregate import campaign_params, campaign_sql, fetch
from smtool.services.reports.period import Period

MESSAGE_KINDS = ("comment", "reply", "mention")
NO_TEAM = "(none)"
# Targets are found this far past today at most (holidays and weekends included: plenty).
CLOCK_AHEAD = timedelta(days=90)
# Open backlog by age (wall-clock hours since the citizen wrote): label, upper bound in hours.
BACKLOG_AGES: tuple[tuple[str, float | None], ...] = (
    (N_("under 4 h"), 4),
    (N_("4-24 h"), 24),
    (N_("1-3 days"), 72),
    (N_("3-7 days"), 168),
    (N_("over 7 days"), None),
)


@dataclass(frozen=True)
class ResponseGroup:
    """Response figures of the items of one team, one account, or all (`key` "all")."""

    key: str
    items: int
    answered: int
    first_response_median_minutes: float | None
    first_response_p90_minutes: float | None
    first_response_within_target: float | None
    """Share (0..1) of items answered within target, of those answered or already past it."""
    resolved: int
    resolution_median_minutes: float | None
    resolution_within_target: float | None
    open: int


@dataclass(frozen=True)
class BacklogAge:
    label: str
    items: int


@dataclass(frozen=True)
class ResponseTimesReport:
    period: Period
    account: str | None
    campaign: str | None
    generated_at: datetime
    target_first_response_minutes: int
    target_resolution_minutes: int
    totals: ResponseGroup
    teams: list[ResponseGroup]
    accounts: list[ResponseGroup]
    backlog: list[BacklogAge]
    """Items open now, by how long ago the citizen wrote."""


class _ItemRow(NamedTuple):
    team: str | None
    account_id: str
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    state: str


class _AgeRow(NamedTuple):
    """How many open items are in one BACKLOG_AGES bracket (age: its index)."""

    age: int
    n: int


@dataclass(frozen=True)
class _Measured:
    team: str
    account: str
    first: float | None
    first_known: bool
    first_ok: bool
    resolution: float | None
    resolution_known: bool
    resolution_ok: bool
    open: bool


def _filters(dialect: str, account: str | None, campaign: str | None) -> tuple[str, dict[str, Any]]:
    where = [f"i.kind IN ({', '.join(repr(k) for k in MESSAGE_KINDS)})", f"i.state <> '{InboxState.SPAM}'"]
    params: dict[str, Any] = {}
    if account:
        where.append("i.account_id = :account")
        params["account"] = account
    if campaign:
        # Items in the threads under the campaign's posts.
        where.append(
            "i.thread_remote_id IN (SELECT p.remote_id FROM publications p JOIN posts q ON q.id = p.post_id "
            f"WHERE p.remote_id IS NOT NULL AND {campaign_sql(dialect)})"
        )
        params.update(campaign_params(campaign))
    return " AND ".join(where), params


def response_times(
    ctx: Context, period: Period, account: str | None = None, campaign: str | None = None
) -> ResponseTimesReport:
    """The response-times report of the citizens' messages created in `period`."""
    inbox = ctx.settings.inbox
    calendar = working_time(ctx.settings)
    now = ctx.clock()
    where, params = _filters(ctx.db.dialect, account, campaign)
    with ctx.db.read() as session:
        rows = fetch(
            session,
            "SELECT i.team, i.account_id, i.created_at, i.first_response_at, i.resolved_at, i.state "
            f"FROM inbox_items i WHERE {where} AND i.created_at >= :start AND i.created_at < :end",
            {**params, "start": period.start, "end": period.end},
            _ItemRow,
        )
        backlog_rows = fetch(
            session,
            f"SELECT {_age_case()} AS age, COUNT(*) AS n FROM inbox_items i "
            f"WHERE {where} AND i.state IN ({', '.join(repr(s.value) for s in OPEN_STATES)}) GROUP BY age",
            {**params, **{f"age{k}": now - timedelta(hours=h) for k, (_, h) in enumerate(BACKLOG_AGES) if h}},
            _AgeRow,
        )
    today = now.astimezone(calendar.zone).date()
    clock = WorkClock(
        calendar, period.first_day - timedelta(days=1), max(today, period.last_day) + CLOCK_AHEAD
    )
    measured = [_measure(clock, inbox, r, now) for r in rows]
    by_age = {r.age: r.n for r in backlog_rows}
    return ResponseTimesReport(
        period=period,
        account=account,
        campaign=campaign,
        generated_at=now,
        target_first_response_minutes=inbox.target_first_response_minutes,
        target_resolution_minutes=inbox.target_resolution_minutes,
        totals=_group("all", measured),
        teams=_groups(measured, lambda m: m.team),
        accounts=_groups(measured, lambda m: m.account),
        backlog=[BacklogAge(label, by_age.get(k, 0)) for k, (label, _) in enumerate(BACKLOG_AGES)],
    )


def _age_case() -> str:
    # Newer than the first bound -> 0, ...; bound k is the parameter age{k} (now minus its hours).
    whens = " ".join(
        f"WHEN i.created_at > :age{k} THEN {k}" for k, (_, hours) in enumerate(BACKLOG_AGES) if hours
    )
    return f"CASE {whens} ELSE {len(BACKLOG_AGES) - 1} END"


def _measure(clock: WorkClock, inbox: Inbox, row: _ItemRow, now: datetime) -> _Measured:
    created, answered, resolved = row.created_at, row.first_response_at, row.resolved_at
    first_due = clock.add(created, inbox.target_first_response_minutes)
    resolution_due = clock.add(created, inbox.target_resolution_minutes)
    # A target beyond the clock's last day is after now: not missed yet, whatever happened.
    first_missed = first_due is not None and (answered or now) > first_due
    resolution_missed = resolution_due is not None and (resolved or now) > resolution_due
    return _Measured(
        team=row.team or NO_TEAM,
        account=row.account_id,
        first=clock.minutes_between(created, answered) if answered else None,
        first_known=answered is not None or first_missed,
        first_ok=not first_missed,
        resolution=clock.minutes_between(created, resolved) if resolved else None,
        resolution_known=resolved is not None or resolution_missed,
        resolution_ok=not resolution_missed,
        open=row.state in OPEN_STATES,
    )


def _groups(measured: list[_Measured], key: Callable[[_Measured], str]) -> list[ResponseGroup]:
    grouped: dict[str, list[_Measured]] = defaultdict(list)
    for m in measured:
        grouped[key(m)].append(m)
    return [_group(name, grouped[name]) for name in sorted(grouped)]


def _share(flags: Iterable[tuple[bool, bool]]) -> float | None:
    known = [ok for is_known, ok in flags if is_known]
    return sum(known) / len(known) if known else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest rank: the smallest value with at least 90 % of the values at or below it.
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def _group(key: str, items: list[_Measured]) -> ResponseGroup:
    firsts = [m.first for m in items if m.first is not None]
    resolutions = [m.resolution for m in items if m.resolution is not None]
    return ResponseGroup(
        key=key,
        items=len(items),
        answered=len(firsts),
        first_response_median_minutes=_median(firsts),
        first_response_p90_minutes=_p90(firsts),
        first_response_within_target=_share((m.first_known, m.first_ok) for m in items),
        resolved=len(resolutions),
        resolution_median_minutes=_median(resolutions),
        resolution_within_target=_share((m.resolution_known, m.resolution_ok) for m in items),
        open=sum(m.open for m in items),
    )
