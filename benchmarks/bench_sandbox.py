"""The sandbox's requests per second at 1,000 and 20,000 stored posts, beside the goal of issue 21.

    .venv/bin/python benchmarks/bench_sandbox.py [--requests 2000]

A mix of what smtool's workers send: X publish (POST /2/tweets, with its duplicate check), Facebook
publish (POST /{page}/feed, with its duplicate check), a Page's feed (GET /{page}/feed) and X's
users/me. Measured twice: answered by the sandbox itself (a Request in, a Reply out: the sandbox's
own cost) and over HTTP on one keep-alive connection from this process (the client's cost
included). The goal, >= 2,000 requests/s with 20,000 stored posts, is the sandbox's; the ratio of
20,000 to 1,000 stored posts says whether it answers in constant time. Prints figures; asserts
no times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.emulator import DEFAULT_LIMITS, SandboxServer, graph_api, new_sandbox_state, x_api
from connectors.emulator.wire import Request

GOAL = 2000.0

# (method, path, query, headers, body) of one request, given its number.
Call = tuple[str, str, dict[str, str], dict[str, str], bytes]


def _calls(server: SandboxServer) -> Callable[[int], Call]:
    x, fb = server.account("x"), server.account("facebook")
    bearer = {"authorization": f"Bearer {x.token}", "content-type": "application/json"}
    form = {"content-type": "application/x-www-form-urlencoded"}
    page = {"access_token": fb.token}

    def call(i: int) -> Call:
        kind = i % 4
        if kind == 0:
            return "POST", "/2/tweets", {}, bearer, json.dumps({"text": f"paziņojums {i}"}).encode()
        if kind == 1:
            return "POST", f"/v21.0/{fb.id}/feed", page, form, urlencode({"message": f"ziņa {i}"}).encode()
        if kind == 2:
            return "GET", f"/v21.0/{fb.id}/feed", {**page, "limit": "25"}, {}, b""
        return "GET", "/2/users/me", {}, bearer, b""

    return call


def _store(server: SandboxServer, posts: int) -> None:
    """`posts` posts already there, half tweets and half Page posts, as after months of work."""
    sb = server.sandbox
    x, fb = server.account("x"), server.account("facebook")
    with sb.lock:
        for i in range(posts // 2):
            sb.x_create(x.id, f"vecs ieraksts {i}")
            sb.fb_create_post(fb, f"veca ziņa {i}")


def _in_process(server: SandboxServer, call: Callable[[int], Call], count: int, offset: int) -> float:
    sb = server.sandbox
    start = time.perf_counter()
    for i in range(offset, offset + count):
        method, path, query, headers, body = call(i)
        request = Request(method, path, dict(query), dict(headers), body, server.base_url)
        reply = (x_api.handle if path.startswith("/2/") else graph_api.handle)(sb, request)
        if reply.status >= 300:
            sys.exit(f"{method} {path}: {reply.status} {reply.body[:200]!r}")
    return count / (time.perf_counter() - start)


def _over_http(server: SandboxServer, call: Callable[[int], Call], count: int, offset: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    start = time.perf_counter()
    for i in range(offset, offset + count):
        method, path, query, headers, body = call(i)
        connection.request(method, f"{path}?{urlencode(query)}" if query else path, body, headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status >= 300:
            sys.exit(f"{method} {path}: {answer.status}")
    elapsed = time.perf_counter() - start
    connection.close()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per timing (default 2000)")
    args = parser.parse_args()
    # Lift the documented limits: this measures the sandbox, not X's 100 posts per 15 minutes.
    unlimited = {key: (10**9, window) for key, (_, window) in DEFAULT_LIMITS.items()}
    figures: dict[int, tuple[float, float]] = {}
    for stored in (1000, 20000):
        with SandboxServer(new_sandbox_state(seed=1), seed=1, rate_limits=unlimited) as server:
            _store(server, stored)
            call = _calls(server)
            n = args.requests
            figures[stored] = (_in_process(server, call, n, 0), _over_http(server, call, n, n))
    print(f"Sandbox requests/s, mixed publish/feed/users/me (load average {os.getloadavg()[0]:.1f}):")
    for stored, (inside, http_rate) in figures.items():
        print(
            f"  {stored:>6} stored posts: answered {inside:7.0f} /s ({inside / GOAL:4.2f}x goal {GOAL:.0f}), "
            f"over HTTP {http_rate:6.0f} /s ({http_rate / GOAL:4.2f}x goal)"
        )
    (small_in, small_http), (large_in, large_http) = figures[1000], figures[20000]
    print(
        f"  20,000 vs 1,000 stored: {large_in / small_in:4.2f}x answered, "
        f"{large_http / small_http:4.2f}x over "
        "HTTP (1.00x: constant time)"
    )


if __name__ == "__main__":
    main()
