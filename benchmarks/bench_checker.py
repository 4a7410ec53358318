"""Guideline checker benchmark: throughput and latency of the full pack on one core, corpus quality,
and proselint on the English part as a reference.

Run: .venv/bin/python benchmarks/bench_checker.py [--posts 10000] [--per-rule]
Prints figures and ratios; asserts nothing about time. --per-rule adds what each rule costs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smtool.checker import CheckContext, Engine  # noqa: E402
from smtool.checker.lexicon import HERE, lexicon, nouns, read_lexicon, read_nouns  # noqa: E402
from smtool.checker.text import Doc  # noqa: E402
from tests.checker.corpus_eval import load_corpus, report, score  # noqa: E402


def corpus(n: int) -> list[tuple[str, str]]:
    """A deterministic mix: the labelled posts, recombined two or three at a time (lv and en)."""
    rng = random.Random(20250310)
    rows = load_corpus()
    texts = [(str(r["text"]), "en" if "language" in r["expect"] else "lv") for r in rows]
    out: list[tuple[str, str]] = []
    for _ in range(n):
        k = rng.choice((1, 1, 2, 3))
        parts = rng.sample(texts, k)
        lang = "en" if all(p[1] == "en" for p in parts) else "lv"
        out.append((" ".join(p[0] for p in parts), lang))
    return out


def bench_context() -> CheckContext:
    return CheckContext(
        account_kind="institution",
        account_id="vk-x",
        institution_name="Valsts kanceleja",
        spokespeople=frozenset({"karlis"}),
        author="anna",
        platform="x",
        allowed_phones=frozenset({"67082800"}),
        now=datetime(2025, 3, 10, 12, tzinfo=UTC),
    )


def bench_smtool(engine: Engine, posts: list[tuple[str, str]]) -> tuple[float, list[float], int, list[float]]:
    """Wall-clock seconds, each post's wall-clock latency, findings, and each post's CPU time."""
    ctx = bench_context()
    for text, _ in posts[:200]:  # warm-up: lazy caches, regex compilation in re's cache
        engine.check(text, ctx)
    latencies: list[float] = []
    cpu: list[float] = []
    findings = 0
    start = time.perf_counter()
    for text, _ in posts:
        t0 = time.perf_counter()
        c0 = time.thread_time()
        findings += len(engine.check(text, ctx))
        cpu.append(time.thread_time() - c0)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies, findings, cpu


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[int(share * (len(sorted_values) - 1))]


def per_rule(engine: Engine, posts: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """Microseconds per post that each applicable post rule takes on its own, on documents whose shared
    analysis (masking, sentences, languages, words) is already done - that part is reported apart."""
    ctx = bench_context()
    start = time.perf_counter()
    docs = []
    for text, _ in posts:
        doc = Doc(text, ctx.languages[0])
        _ = doc.sentences, doc.masked_words, doc.text_words
        docs.append(doc)
    costs = [("(shared analysis)", (time.perf_counter() - start) / len(posts) * 1e6)]
    for rule in (r for r in engine.post_rules if r.applies(ctx)):
        for doc in docs:  # each rule pays for its own matchers, as if it ran first
            doc.cache.clear()
            doc.values.clear()
        start = time.perf_counter()
        for doc in docs:
            rule.run(doc, ctx)
        costs.append((rule.id, (time.perf_counter() - start) / len(docs) * 1e6))
    return sorted(costs, key=lambda c: -c[1])


def bench_proselint(texts: list[str]) -> tuple[float, int, int] | str:
    """Seconds for proselint's default checks over `texts`, findings, and how many checks ran (the
    corpus is plain institutional English, so few findings are expected: the figure is about cost)."""
    try:
        from proselint.checks import __register__
        from proselint.config import DEFAULT
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return "proselint is not installed (pip install proselint) - no reference figure"
    registry = CheckRegistry()
    registry.register_many(__register__)
    checks = len(registry.get_all_enabled(DEFAULT["checks"]))
    found = 0
    start = time.perf_counter()
    for text in texts:
        found += len(LintFile("<post>", text).lint(DEFAULT))
    return time.perf_counter() - start, found, checks


def lexicon_cost() -> tuple[float, float]:
    """Milliseconds to read the Latvian lexicon (forms, classes and noun paradigms), and megabytes it
    holds (traced on a second read). Runs before the policies load, which decline names with it."""
    t0 = time.perf_counter()
    lexicon(), nouns()  # the process's one load, which the checks below then use
    elapsed = (time.perf_counter() - t0) * 1000
    tracemalloc.start()
    kept = read_lexicon(), read_nouns(HERE)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return elapsed, size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--per-rule", action="store_true", help="also time each rule on its own")
    args = parser.parse_args()

    lex_ms, lex_mb = lexicon_cost()
    t0 = time.perf_counter()
    engine = Engine.load(ROOT / "policies", ["lv-public-sector", "lv-incoming"])
    load_ms = (time.perf_counter() - t0) * 1000
    print(
        f"lexicon: loaded in {lex_ms:.0f} ms, {lex_mb:.1f} MB "
        f"(targets < 300 ms: {'met' if lex_ms < 300 else 'NOT met'}, "
        f"< 60 MB: {'met' if lex_mb < 60 else 'NOT met'})"
    )
    posts = corpus(args.posts)
    chars = sum(len(t) for t, _ in posts)
    print(
        f"policies: {len(engine.post_rules)} post rules, {len(engine.incoming_rules)} incoming rules, "
        f"loaded in {load_ms:.0f} ms"
    )
    print(
        f"corpus: {len(posts)} posts, {chars / len(posts):.0f} characters on average (seeded, deterministic)"
    )

    elapsed, latencies, findings, cpu = bench_smtool(engine, posts)
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = percentile(lat, 0.99) * 1000
    rate = len(posts) / elapsed
    print(
        f"smtool check: {rate:,.0f} posts/s on one core; p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"max {lat[-1] * 1000:.2f} ms; {findings} findings"
    )
    print(
        f"targets: >= 5,000 posts/s ({'met' if rate >= 5000 else 'NOT met'}), "
        f"p99 < 2 ms ({'met' if p99 < 2 else 'NOT met'})"
    )
    # On a shared machine other processes take turns on the core: wall-clock figures then measure the
    # load as much as the checker. CPU time counts only this thread's own work, so it is the ceiling
    # the same code reaches on a core of this machine left to itself (load average shown for context).
    busy = sorted(cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine ceiling (CPU time, the core to itself): {len(posts) / sum(cpu):,.0f} posts/s; "
        f"p50 {statistics.median(busy) * 1000:.3f} ms, p99 {percentile(busy, 0.99) * 1000:.3f} ms "
        f"(load average {load:.2f} on {os.cpu_count()} cores)"
    )

    if args.per_rule:
        print("per rule, us per post (matchers shared between rules are counted in each):")
        for rule_id, cost in per_rule(engine, posts[:2000]):
            print(f"  {rule_id:<36} {cost:7.1f}")

    english = [t for t, lang in posts if lang == "en"]
    ref = bench_proselint(english)
    if isinstance(ref, str):
        print(ref)
    else:
        p_elapsed, p_found, p_checks = ref
        _, en_lat, _, _ = bench_smtool(engine, [(t, "en") for t in english])
        ours = len(english) / sum(en_lat)
        theirs = len(english) / p_elapsed
        print(
            f"proselint (English part, {len(english)} posts): {theirs:,.0f} posts/s, "
            f"{p_checks} checks, {p_found} findings; smtool on the same posts {ours:,.0f} posts/s "
            f"= {ours / theirs:.1f}x proselint"
        )

    print()
    for part in ("tuning", "held-out"):
        print(
            f"precision and recall per category on the {part} part of the labelled corpus "
            "(tests/checker/corpus/posts.jsonl; rules are never tuned against the held-out part):"
        )
        print(report(score(engine, part)))


if __name__ == "__main__":
    main()
