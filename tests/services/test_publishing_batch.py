"""A batch of publications: committed as `sending` together, sent concurrently, recorded together.

Against the sandbox with the real X and Facebook clients, on both databases. The connectors are the
real ones; where a test needs a send to fail in a way no platform answer gives (the process dying
between the `sending` commit and the outcomes, a client raising something unexpected), a thin
wrapper around the real connector does that after or instead of its real call.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from connectors.base import Connector, OutgoingPost, PublishedRef
from smtool.services.context import Context
from smtool.services.platforms import connector_for
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.outbox import Publisher
from smtool.services.records import audit
from smtool.store.tables import Account, AuditEvent, Publication
from smtool.store.types import utcnow
from tests.support.sandbox import Sandbox

TEXT = "Valsts kanceleja informē: pakalpojumu izmaiņas, paziņojums {n}."
ACCOUNTS = ("sandbox-x", "sandbox-fb")


class Crash(BaseException):
    """The process stopping (SIGKILL, power) after a platform call and before its outcome is stored:
    a BaseException, so nothing in the worker catches it."""


class Wrapped:
    """The real connector, with `publish` changed by `around`."""

    def __init__(self, real: Connector, around: Any) -> None:
        self._real, self._around = real, around

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def publish(self, post: OutgoingPost) -> PublishedRef:
        return self._around(self._real, post)  # type: ignore[no-any-return]


def _publisher(ctx: Context, around: Any, me: str) -> Publisher:
    return Publisher(ctx, me=me, factory=lambda c, account: Wrapped(connector_for(c, account), around))  # type: ignore[arg-type,return-value]


def _approve(ctx: Context, count: int) -> list[str]:
    """`count` posts, alternately on X and Facebook, all due now; returns their texts."""
    ids = []
    for n in range(count):
        draft = Draft(text=TEXT.format(n=n), accounts=[ACCOUNTS[n % 2]])
        post_id = create_post(ctx, "anna", draft)
        submit_post(ctx, "anna", post_id)
        ids.append(post_id)
    approve_posts(ctx, "karlis", ids)
    return [TEXT.format(n=n) for n in range(count)]


def _on_platform(sandbox: Sandbox) -> Counter[str]:
    return Counter(p["text"] for platform in ("x", "facebook") for p in sandbox.published(platform))


def _states(ctx: Context) -> Counter[str]:
    with ctx.db.read() as session:
        return Counter(session.exec(select(Publication.state)).all())


def _leases_run_out(ctx: Context) -> None:
    with ctx.db.write() as session:
        session.execute(
            text("UPDATE publications SET lease_until = :past WHERE state = 'sending'"),
            {"past": utcnow() - timedelta(seconds=1)},
        )


def test_a_batch_is_committed_as_sending_before_any_call(sctx: Context, sandbox: Sandbox) -> None:
    texts = _approve(sctx, 6)
    seen: list[Counter[str]] = []

    def around(real: Connector, post: OutgoingPost) -> PublishedRef:
        seen.append(_states(sctx))  # what another process would read at the moment of the call
        return real.publish(post)

    assert _publisher(sctx, around, "w").publish_due() == Counter({"published": 6})
    assert all(states == Counter({"sending": 6}) for states in seen), seen
    assert _on_platform(sandbox) == Counter(texts)
    assert audit.verify(sctx.db).ok


def test_a_crash_between_the_sending_commit_and_the_outcomes_publishes_each_post_once(
    sctx: Context, sandbox: Sandbox
) -> None:
    texts = _approve(sctx, 6)

    def around(real: Connector, post: OutgoingPost) -> PublishedRef:
        real.publish(post)  # it reaches the platform ...
        raise Crash  # ... and the process dies before the outcome is stored

    crashed = _publisher(sctx, around, "crashed")
    try:
        crashed.publish_due()
    except Crash:
        pass
    else:
        raise AssertionError("the crash should end the batch")
    crashed.close()  # the other account's call, already under way, ends too
    assert _states(sctx) == Counter({"sending": 6})  # nothing recorded, nothing lost
    sent = _on_platform(sandbox)
    assert 1 <= sum(sent.values()) < 6 and max(sent.values()) == 1

    # Another worker: the sweeper finds the lapsed sends, reconciliation reads each account's posts.
    after = Publisher(sctx, me="after")
    _leases_run_out(sctx)
    assert after.sweep()["unknown"] == 6
    settled = after.reconcile()
    assert settled["found"] == sum(sent.values()) and settled["rescheduled"] == 6 - sum(sent.values())
    assert after.publish_due()["published"] == 6 - sum(sent.values())
    assert _on_platform(sandbox) == Counter(texts)  # every post exactly once
    assert _states(sctx) == Counter({"published": 6})
    assert audit.verify(sctx.db).ok


def test_one_accounts_rate_limit_blocks_no_other_account(sctx: Context, sandbox: Sandbox) -> None:
    texts = _approve(sctx, 6)
    sandbox.fault("x", "rate_limit", "POST /2/tweets")
    outcomes = Publisher(sctx, me="w").publish_due()
    # Facebook's three went out; X's first got the 429 and the other two were not sent at all.
    assert outcomes == Counter({"published": 3, "retry": 3})
    assert _on_platform(sandbox) == Counter(t for n, t in enumerate(texts) if n % 2 == 1)
    with sctx.db.read() as session:
        account = session.get(Account, "sandbox-x")
        waiting = session.exec(select(Publication).where(Publication.account_id == "sandbox-x")).all()
        unsent = session.exec(select(AuditEvent).where(AuditEvent.action == "publication.scheduled")).all()
    assert account is not None and account.rate_limited_until is not None
    assert {p.state for p in waiting} == {"scheduled"}
    assert all(p.due_at == account.rate_limited_until for p in waiting)
    assert sorted(p.attempt for p in waiting) == [0, 0, 1]  # a call never made is no attempt
    assert sum("not sent" in e.payload for e in unsent) == 2
    assert Publisher(sctx, me="w").publish_due() == Counter()  # the account waits for its window

    sandbox.control("POST", "clock", {"advance_seconds": 16 * 60})
    with sctx.db.write() as session:
        session.execute(text("UPDATE accounts SET rate_limited_until = NULL"))
        session.execute(
            text("UPDATE publications SET due_at = :now WHERE state = 'scheduled'"),
            {"now": utcnow() - timedelta(seconds=1)},
        )
    assert Publisher(sctx, me="w").publish_due() == Counter({"published": 3})
    assert _on_platform(sandbox) == Counter(texts)
    assert audit.verify(sctx.db).ok


def test_a_send_that_raises_leaves_the_rest_of_the_batch_published(sctx: Context, sandbox: Sandbox) -> None:
    texts = _approve(sctx, 6)
    odd = texts[2]

    def around(real: Connector, post: OutgoingPost) -> PublishedRef:
        ref = real.publish(post)
        if post.text == odd:
            raise ValueError("the client could not read the platform's answer")  # after it went out
        return ref

    outcomes = _publisher(sctx, around, "w").publish_due()
    assert outcomes == Counter({"published": 5, "unknown": 1})
    # The odd one is out, but its outcome is unknown: reconciliation finds it, nothing is resent.
    settled = Publisher(sctx, me="w").reconcile()
    assert settled == Counter({"found": 1})
    assert _on_platform(sandbox) == Counter(texts)
    assert _states(sctx) == Counter({"published": 6})
    assert audit.verify(sctx.db).ok
