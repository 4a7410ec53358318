"""The outbox claim is served by its index, and a bulk enqueue refreshes PostgreSQL's statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, text

from smtool.store.engine import Database
from smtool.store.migrate import upgrade
from smtool.store.statistics import BULK_ROWS, after_bulk_write
from smtool.store.tables import Account, Approval, Post, Publication, User
from smtool.store.types import utcnow


def _outbox(db: Database, rows: int) -> None:
    """`rows` scheduled publications, half of them due, written without the layers above (what is
    tested is the store)."""
    now = utcnow()
    with db.write() as session:
        session.add(User(name="anna", roles=["communicator"]))
        # One account per publication: an approval has one publication per account.
        session.add_all(
            Account(id=f"a{n}", platform="x", handle=f"@a{n}", kind="x", token_status="ok")
            for n in range(rows)
        )
        session.flush()
        post = Post(author="anna", text="t", state="approved", content_hash="h")
        session.add(post)
        session.flush()
        assert post.id is not None
        approval = Approval(post_id=post.id, approver="anna", decision="approved", content_hash="h")
        session.add(approval)
        session.flush()
        assert approval.id is not None
        post_id, approval_id = post.id, approval.id
    with db.engine.begin() as c:
        c.execute(
            insert(Publication.__table__),  # type: ignore[attr-defined]
            [
                {
                    "post_id": post_id,
                    "approval_id": approval_id,
                    "account_id": f"a{n}",
                    "text": "t",
                    "state": "scheduled",
                    "due_at": now + timedelta(minutes=(-1) ** n * n),
                    "attempt": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(rows)
            ],
        )


def test_a_bulk_enqueue_refreshes_the_statistics_on_postgresql(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db)
        _outbox(db, 3)
        assert not after_bulk_write(db, "publications", BULK_ROWS - 1)  # too few to change a plan
        refreshed = after_bulk_write(db, "publications", BULK_ROWS)
        assert refreshed is (db.dialect == "postgresql")  # SQLite keeps planning without statistics
        if refreshed:
            # ANALYZE writes the row count into pg_class at once (pg_stat_user_tables.last_analyze
            # is reported by the statistics system a moment later, so a test could not wait on it).
            # The table is named through the search path: parallel tests each have their own schema.
            with db.engine.connect() as c:
                counted = c.execute(
                    text("SELECT reltuples FROM pg_class WHERE oid = 'publications'::regclass")
                ).scalar()
            assert counted == 3
    finally:
        db.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the plan is PostgreSQL's
def test_the_claim_reads_the_outbox_in_index_order_on_postgresql(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db)
        _outbox(db, 2000)
        after_bulk_write(db, "publications", 2000)
        with db.engine.connect() as c:
            plan = "\n".join(
                row[0]
                for row in c.execute(
                    text(
                        "EXPLAIN SELECT id FROM publications WHERE state = 'scheduled' AND due_at <= now() "
                        "ORDER BY due_at, id LIMIT 50 FOR UPDATE SKIP LOCKED"
                    )
                )
            )
        assert "ix_publications_state_due_id" in plan and "Sort" not in plan, plan
    finally:
        db.dispose()
