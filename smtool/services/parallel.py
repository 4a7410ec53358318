"""CPU-bound work on many items, on every core the process may use.

The guideline checker costs about 0.2 ms of one core per post, so checking a 20,000-row import takes
seconds on one core. `Cores` runs a function over chunks of such work in forked processes: a fork
gives them the parent's loaded policy packs, settings and accounts (`shared`) without pickling them,
and only the chunks and the results cross between processes.

The children compute and return; they never touch the database. The connections they inherit with
the parent's memory stay unused (SQLite and libpq forbid using a connection in two processes), and
the children end with os._exit (multiprocessing's way), which closes nothing of the parent's.

Forking is used only on Linux: macOS's system libraries are not fork-safe, and Windows has no fork.
Elsewhere, with one core, or with few items, the work runs here, in order, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Generic, TypeVar, cast

S = TypeVar("S")
C = TypeVar("C")
R = TypeVar("R")


# What the children inherit: set before the fork, cleared after the pool is gone. One parallel run
# per process at a time (the lock), so two threads never give children each other's state.
class _Inherited:
    shared: object = None


_inherited = _Inherited()
_one_at_a_time = threading.Lock()


def usable_cores() -> int:
    """The cores this process may run on (its affinity, which a container or taskset narrows)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def chunks(items: Sequence[C], count: int) -> list[Sequence[C]]:
    """`items` in about `count` runs of consecutive items (none empty), order kept."""
    size = max(1, -(-len(items) // max(1, count)))
    return [items[start : start + size] for start in range(0, len(items), size)]


class Cores(Generic[S]):
    """Maps functions over chunks, in forked processes or here (see the module). Use `cores()`."""

    def __init__(self, shared: S, pool: ProcessPoolExecutor | None, workers: int) -> None:
        self._shared = shared
        self._pool = pool
        self.workers = workers

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def map(self, work: Callable[[S, C], R], items: Sequence[C]) -> list[R]:
        """`work(shared, item)` for each item, results in the items' order. `work` must be a
        module-level function and the items and results picklable (they cross processes); an
        exception in a child is raised here."""
        if self._pool is None:
            return [work(self._shared, item) for item in items]
        return list(self._pool.map(_run, [(work, item) for item in items]))


@contextmanager
def cores(shared: S, items: int, *, parallel_from: int) -> Iterator[Cores[S]]:
    """A `Cores` for work on `items` items: forked processes when there are at least `parallel_from`
    of them and more than one usable core (on Linux), else the calling process."""
    workers = usable_cores()
    if items < parallel_from or workers < 2 or not sys.platform.startswith("linux"):
        yield Cores(shared, None, 1)
        return
    with _one_at_a_time:
        _inherited.shared = shared
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                yield Cores(shared, pool, workers)
        finally:
            _inherited.shared = None


def _run(task: tuple[Callable[[S, C], R], C]) -> R:
    """In a child: the work on one item, with the state inherited from the parent."""
    work, item = task
    return work(cast(S, _inherited.shared), item)
