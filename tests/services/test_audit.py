from __future__ import annotations

import threading

from sqlalchemy import text

from smtool.services.context import Context
from smtool.services.records import audit


def _append(ctx: Context, n: int, actor: str = "anna") -> None:
    for i in range(n):
        with ctx.db.write() as session:
            audit.append(
                session,
                actor=actor,
                action="post.edit",
                subject_type="post",
                subject_id=i,
                payload={"text": "Sveiki, „citāts” ✓", "n": i},
            )


def test_a_fresh_log_verifies(ctx: Context) -> None:
    after_init = audit.verify(ctx.db)
    assert after_init.ok and after_init.rows >= 1
    _append(ctx, 5)
    result = audit.verify(ctx.db)
    assert result.ok and result.rows == after_init.rows + 5


def test_editing_a_row_is_reported_at_that_row(ctx: Context) -> None:
    _append(ctx, 5)
    with ctx.db.engine.begin() as connection:
        target = connection.execute(text("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 3")).scalar()
        connection.execute(text("UPDATE audit_events SET actor='mallory' WHERE id=:id"), {"id": target})
    result = audit.verify(ctx.db)
    assert not result.ok
    assert result.broken_id == target
    assert "changed" in (result.reason or "")
    assert result.rows == 3


def test_deleting_a_middle_row_is_reported(ctx: Context) -> None:
    _append(ctx, 5)
    with ctx.db.engine.begin() as connection:
        ids = [r[0] for r in connection.execute(text("SELECT id FROM audit_events ORDER BY id"))]
        connection.execute(text("DELETE FROM audit_events WHERE id=:id"), {"id": ids[2]})
    result = audit.verify(ctx.db)
    assert not result.ok and result.broken_id == ids[3]
    assert "removed or inserted" in (result.reason or "")


def test_an_audit_row_rolls_back_with_its_change(ctx: Context) -> None:
    before = audit.verify(ctx.db).rows
    try:
        with ctx.db.write() as session:
            audit.append(session, actor="a", action="x", subject_type="t", subject_id=1)
            raise RuntimeError("the use case failed after auditing")
    except RuntimeError:
        pass
    assert audit.verify(ctx.db).rows == before


def test_concurrent_appends_keep_one_chain(ctx: Context) -> None:
    before = audit.verify(ctx.db).rows
    threads = [threading.Thread(target=_append, args=(ctx, 15, f"user{i}")) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = audit.verify(ctx.db)
    assert result.ok, result.reason
    assert result.rows == before + 4 * 15


def test_a_run_appended_at_once_hashes_exactly_as_verify_recomputes(ctx: Context) -> None:
    """append_many encodes the actor and the time once for a run; the hashed text must stay the
    one event_hash (and so `verify`) builds, whatever the characters in it."""
    odd = 'Jānis "Ž" \\ \u2028 \x01 😀'
    events = [
        audit.Event("post.create", "post", n, {"text": f"{odd} {n}", "n": n, "none": None}) for n in range(50)
    ]
    with ctx.db.write() as session:
        audit.append_many(session, odd, events)
        audit.append(session, actor="anna", action="post.submit", subject_type="post", subject_id=odd)
    assert audit.verify(ctx.db).ok
