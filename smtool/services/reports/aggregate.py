"""SQL shared by the reports: the posts of a period, each with its latest metric snapshot, and
local-time buckets, written once for SQLite and PostgreSQL.

Aggregation happens in the database (GROUP BY over the latest snapshot of each publication) so a
report over millions of snapshots reads a few hundred rows into Python, not millions.
"""

# SQL here is formatted only from this package's constants; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar, cast, get_args, get_type_hints

from sqlalchemy import bindparam, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlmodel import Session

from smtool.domain.states import PublicationState
from smtool.services.reports.period import UNIT_SECONDS, Period, Unit, local_epoch_origin, offset_changes
from smtool.store.types import UTCDateTime

METRICS = ("impressions", "likes", "replies", "shares", "clicks", "quotes", "bookmarks")
# What counts as an engagement: every interaction a platform reports for a post.
ENGAGEMENT_SUM = " + ".join(f"COALESCE({{p}}{m}, 0)" for m in METRICS if m != "impressions")


@dataclass(frozen=True)
class Scope:
    """Which posts a report covers: a period, optionally one account and one campaign tag."""

    period: Period
    account: str | None = None
    campaign: str | None = None


def epoch_sql(column: str, dialect: str) -> str:
    """Whole UTC epoch seconds of a stored time (SQLite keeps naive UTC text)."""
    if dialect == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(floor(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def bucket_sql(column: str, dialect: str, period: Period, unit: Unit) -> str:
    """The 0-based index of the local day or ISO week a time (within `period`) falls in.

    The time is shifted by the zone's offset in effect at that instant (a CASE over the period's
    DST changes), then divided into whole local days or weeks counted from bucket 0's start.
    """
    epoch = epoch_sql(column, dialect)
    changes = offset_changes(period.zone, period.start, period.end)
    if len(changes) == 1:
        shift = str(changes[0][1])
    else:
        whens = " ".join(
            f"WHEN {epoch} < {moment} THEN {offset}"
            for (moment, _), (_, offset) in zip(changes[1:], changes, strict=False)
        )
        shift = f"CASE {whens} ELSE {changes[-1][1]} END"
    origin = local_epoch_origin(period, unit)
    # Both operands are integers and never negative here, so division truncates like floor.
    return f"(({epoch} + {shift} - {origin}) / {UNIT_SECONDS[unit]})"


def campaign_sql(dialect: str) -> str:
    """True for a post `q` tagged with the campaign (:campaign / :campaign_json, campaign_params)."""
    if dialect == "sqlite":
        # The LIKE on the stored JSON text is a cheap superset (ASCII-escaped or not); json_each
        # then decides exactly, for the few rows that pass.
        return (
            "(q.campaigns LIKE :campaign_ascii ESCAPE '\\' OR q.campaigns LIKE :campaign_utf8 ESCAPE '\\') "
            "AND EXISTS (SELECT 1 FROM json_each(q.campaigns) AS c WHERE c.value = :campaign)"
        )
    return "q.campaigns @> CAST(:campaign_json AS JSONB)"


def _pubs(dialect: str, scope: Scope, with_text: bool, ordered: bool) -> str:
    where = [
        f"p.state = '{PublicationState.PUBLISHED.value}'",
        "p.reply_to_item_id IS NULL",
        "p.published_at >= :start",
        "p.published_at < :end",
    ]
    if scope.account:
        where.append("p.account_id = :account")
    source = "publications p"
    if scope.campaign:
        source += " JOIN posts q ON q.id = p.post_id"
        where.append(campaign_sql(dialect))
    columns = "p.id, p.post_id, p.account_id, p.published_at, p.remote_id" + (", p.text" if with_text else "")
    order = " ORDER BY p.id" if ordered else ""
    return f"SELECT {columns} FROM {source} WHERE {' AND '.join(where)}{order}"


def pubs_cte(dialect: str, scope: Scope, *, with_text: bool = False) -> str:
    """`pubs`: the scope's published posts (not replies to citizens); their texts when asked for.
    Without texts it is read from the covering publication index alone."""
    return f"WITH pubs AS ({_pubs(dialect, scope, with_text, ordered=False)})\n"


def posts_cte(dialect: str, scope: Scope) -> str:
    """`pubs` as in pubs_cte, and `latest`: each post with the figures of its newest snapshot
    (NULL figures when never measured).

    `pubs` is materialised in publication id order so the newest-snapshot lookups walk the
    snapshot index forwards instead of jumping around it (a third of the time on 3 million rows).
    """
    figures = ", ".join(f"m.{m}" for m in METRICS)
    newest = "ORDER BY s.taken_at DESC, s.id DESC LIMIT 1"
    if dialect == "sqlite":
        # SQLite has no LATERAL: find the newest snapshot's id, then its row by primary key.
        snapshot = (
            "LEFT JOIN metric_snapshots m ON m.id = "
            f"(SELECT s.id FROM metric_snapshots s WHERE s.publication_id = pubs.id {newest})"
        )
    else:
        # A correlated id in the join condition makes PostgreSQL hash every snapshot; LATERAL
        # makes it one backward index probe per post.
        snapshot = (
            f"LEFT JOIN LATERAL (SELECT s.taken_at, {', '.join(f's.{m}' for m in METRICS)} "
            f"FROM metric_snapshots s WHERE s.publication_id = pubs.id {newest}) m ON true"
        )
    return f"""
WITH pubs AS MATERIALIZED ({_pubs(dialect, scope, with_text=False, ordered=True)}),
latest AS (SELECT pubs.*, m.taken_at, {figures} FROM pubs {snapshot})
"""


def scope_params(scope: Scope) -> dict[str, Any]:
    params: dict[str, Any] = {"start": scope.period.start, "end": scope.period.end}
    if scope.account:
        params["account"] = scope.account
    if scope.campaign:
        params.update(campaign_params(scope.campaign))
    return params


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def campaign_params(campaign: str) -> dict[str, str]:
    return {
        "campaign": campaign,
        "campaign_json": json.dumps([campaign]),
        "campaign_ascii": _like(json.dumps(campaign)),
        "campaign_utf8": _like(json.dumps(campaign, ensure_ascii=False)),
    }


def _clause(sql: str, params: Mapping[str, Any]) -> TextClause:
    clause = text(sql)
    typed = [bindparam(k, type_=UTCDateTime()) for k, v in params.items() if isinstance(v, datetime)]
    return clause.bindparams(*typed) if typed else clause


RowT = TypeVar("RowT", bound=NamedTuple)


@functools.cache
def _time_columns(shape: type[tuple[Any, ...]]) -> tuple[str, ...]:
    hints = get_type_hints(shape)
    return tuple(name for name, hint in hints.items() if datetime in (hint, *get_args(hint)))


def fetch(session: Session, sql: str, params: Mapping[str, Any], shape: type[RowT]) -> Sequence[RowT]:
    """Run a report query whose result columns are the fields of `shape`, in order.

    Datetime parameters and the columns `shape` declares as datetimes go through UTCDateTime, so
    SQLite compares and returns them exactly as the ORM stores them. The rows are SQLAlchemy's own,
    read by name, index or unpacking as `shape` declares: a report reads up to 100,000 of them, so
    the columns are checked against `shape` once per query instead of each row being built again.

    Raises TypeError when the query's columns are not the fields of `shape` (the SQL and its row
    type disagree: a bug, never the data).
    """
    clause = _clause(sql, params)
    query: TextClause | TextualSelect = clause
    if times := _time_columns(shape):
        query = clause.columns(**dict.fromkeys(times, UTCDateTime()))
    result = session.execute(query, dict(params))
    columns = tuple(result.keys())
    if columns != shape._fields:
        raise TypeError(f"the query returns columns {columns}; {shape.__name__} declares {shape._fields}")
    return cast("Sequence[RowT]", result.all())


@contextmanager
def scratch_table(
    session: Session, dialect: str, name: str, sql: str, params: Mapping[str, Any]
) -> Iterator[str]:
    """A temporary table filled by `sql` for the queries of one report, dropped afterwards.

    The costly pass (each post's newest snapshot) then runs once, however many groupings read it.
    Temporary tables live in the connection's own scratch space: a read session may make them.
    """
    qualified = f"temp.{name}" if dialect == "sqlite" else f"pg_temp.{name}"
    session.execute(text(f"DROP TABLE IF EXISTS {qualified}"))  # left by an interrupted report
    session.execute(_clause(f"CREATE TEMPORARY TABLE {name} AS {sql}", params), dict(params))
    try:
        yield name
    finally:
        session.execute(text(f"DROP TABLE IF EXISTS {qualified}"))
