"""Report queries read rows of a declared shape: times as aware datetimes on both databases, and a
query whose columns are not the shape's is refused rather than read by the wrong names."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import pytest

from smtool.services.context import Context
from smtool.services.reports.aggregate import fetch
from tests.support.store_data import add_post, riga

SQL = "SELECT account_id, published_at, remote_id FROM publications ORDER BY id"


class _Published(NamedTuple):
    account_id: str
    published_at: datetime
    remote_id: str | None


class _Misnamed(NamedTuple):
    account: str
    published_at: datetime
    remote_id: str | None


def test_rows_have_the_declared_names_and_times(ctx: Context) -> None:
    add_post(ctx, "vk-x", riga(2026, 3, 29, 0, 30))
    with ctx.db.read() as session:
        (row,) = fetch(session, SQL, {}, _Published)
        # SQLite keeps times as text: only the declared type makes this an aware datetime.
        assert row.published_at == riga(2026, 3, 29, 0, 30) and row.published_at.utcoffset() is not None
        assert row.account_id == "vk-x"
        with pytest.raises(
            TypeError, match=r"returns columns \('account_id',.*_Misnamed declares \('account',"
        ):
            fetch(session, SQL, {}, _Misnamed)
