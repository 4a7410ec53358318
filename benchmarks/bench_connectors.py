"""Connector round trips per second against the sandbox, and API calls per 1,000 ingested items.

    .venv/bin/python benchmarks/bench_connectors.py [--items 1000] [--round-trips 300]

Prints figures and ratios; asserts no times. The call counts are what matters for the platforms'
rate limits: X serves 100 mentions a page, so 1,000 mentions cost at least 10 calls.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import AccountRef, OutgoingPost, PublishedRef
from connectors.emulator import DEFAULT_LIMITS, SandboxServer, new_sandbox_state
from connectors.facebook import FacebookConnector
from connectors.x import XConnector


def rate(label: str, count: int, action: Callable[[int], object]) -> None:
    start = time.perf_counter()
    for i in range(count):
        action(i)
    elapsed = time.perf_counter() - start
    print(f"  {label:<38} {count / elapsed:8.0f} /s   ({elapsed * 1000 / count:.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="items to ingest (default 1000)")
    parser.add_argument("--round-trips", type=int, default=300, help="calls per timing (default 300)")
    args = parser.parse_args()
    # Lift the documented limits: this measures the code path, not X's 100 posts per 15 minutes.
    unlimited = {key: (10**9, window) for key, (_, window) in DEFAULT_LIMITS.items()}
    with SandboxServer(new_sandbox_state(seed=1), seed=1, rate_limits=unlimited) as server:
        xa, fa = server.account("x"), server.account("facebook")
        x = XConnector(AccountRef("x", "x", xa.handle, xa.id), xa.token, server.base_url)
        fb = FacebookConnector(AccountRef("f", "facebook", fa.handle, fa.id), fa.token, server.base_url)
        n = args.round_trips

        print(f"Round trips through the real clients (sandbox on {server.base_url}):")
        rate("X verify_credentials (GET /2/users/me)", n, lambda i: x.verify_credentials())
        x_refs: list[PublishedRef] = []
        rate("X publish (POST /2/tweets)", n, lambda i: x_refs.append(x.publish(OutgoingPost(f"b {i}"))))
        rate("X delete (DELETE /2/tweets/:id)", n, lambda i: x.delete(x_refs[i]))
        rate("Facebook verify_credentials (GET /me)", n, lambda i: fb.verify_credentials())
        fb_refs: list[PublishedRef] = []
        rate(
            "Facebook publish (POST /{page}/feed)",
            n,
            lambda i: fb_refs.append(fb.publish(OutgoingPost(f"b {i}"))),
        )

        items = args.items
        print(f"\nIngest of {items} items (API calls per 1,000 items):")
        sb = server.sandbox
        # X serves at most the 800 newest mentions, so the worker polls while they arrive: here
        # twice, each time after half of the items came in.
        before = x.api_calls
        got = []
        cursor = None
        elapsed = 0.0
        for half in range(2):
            for i in range(items // 2):
                sb.inject_mention(xa.id, f"jautājums {half}-{i}", f"pilsonis{i % 97}")
            start = time.perf_counter()
            batch, cursor = x.fetch_incoming(cursor)
            elapsed += time.perf_counter() - start
            got.extend(batch)
        calls = x.api_calls - before
        print(
            f"  X mentions: {len(got)} items, {calls} calls = {calls * 1000 / max(len(got), 1):.1f} "
            f"per 1,000 (floor 10 at 100 per page); {len(got) / elapsed:.0f} items/s"
        )

        posts = [fb.publish(OutgoingPost(f"ingest {p}")) for p in range(10)]
        for i in range(items):
            sb.inject_comment(posts[i % len(posts)].remote_id, f"komentārs {i}", None)
        before = fb.api_calls
        start = time.perf_counter()
        got_fb, _ = fb.fetch_incoming(None)
        elapsed = time.perf_counter() - start
        calls = fb.api_calls - before
        page_count = len(fb_refs) + len(posts)
        print(
            f"  Facebook comments on {len(posts)} busy posts ({page_count} posts on the Page): "
            f"{len(got_fb)} items, {calls} calls = {calls * 1000 / max(len(got_fb), 1):.1f} per 1,000 "
            "(posts listing per 100 posts + comments of 50 posts per call + one per further "
            "100 comments on a post); "
            f"{len(got_fb) / elapsed:.0f} items/s"
        )

        print("\nMetrics refresh (API calls per 1,000 posts):")
        refs = [
            PublishedRef("x", sb.inject_post(xa.id, f"metrics {i}")[1], "x", datetime.now(UTC))
            for i in range(1000)
        ]
        before = x.api_calls
        snapshots = x.fetch_metrics(refs)
        print(f"  X: {len(snapshots)} snapshots, {x.api_calls - before} calls (100 ids per call)")
        before = fb.api_calls
        snapshots = fb.fetch_metrics(fb_refs)
        calls = fb.api_calls - before
        print(
            f"  Facebook: {len(snapshots)} snapshots, {calls} calls = "
            f"{calls * 1000 / max(len(snapshots), 1):.0f} per 1,000 (insights per post + counts per 50)"
        )


if __name__ == "__main__":
    main()
