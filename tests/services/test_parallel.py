"""services.parallel: work shared out between forked processes gives what it gives here, in order."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import pytest

from smtool.services import parallel


def _squares_and_pids(offset: int, items: Sequence[int]) -> tuple[list[int], int]:
    return [n * n + offset for n in items], os.getpid()


def test_chunks_keep_order_and_leave_none_empty() -> None:
    assert parallel.chunks(list(range(10)), 4) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert parallel.chunks([1], 8) == [[1]]
    assert parallel.chunks([], 3) == []


def test_few_items_are_worked_here() -> None:
    with parallel.cores(7, 3, parallel_from=10) as cores:
        assert not cores.parallel
        results = cores.map(_squares_and_pids, parallel.chunks([1, 2, 3], cores.workers))
    assert results == [([8, 11, 16], os.getpid())]


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="smtool forks its checking processes on Linux"
)
def test_many_items_are_worked_in_forked_processes_with_the_shared_state_inherited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two cores whatever this machine has, so the forked path is tested on a one-core CI machine too.
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    items = list(range(1000))
    with parallel.cores(7, len(items), parallel_from=10) as cores:
        assert cores.parallel
        results = cores.map(_squares_and_pids, parallel.chunks(items, cores.workers * 4))
    assert [n for part, _ in results for n in part] == [n * n + 7 for n in items]
    assert os.getpid() not in {pid for _, pid in results}
