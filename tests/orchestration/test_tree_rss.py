"""The benchmarks' memory sampler names the processes that made up its peak."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.bench.simulate import TreeRss

HELD = 300 * 2**20
# a child that touches HELD bytes, says so, and waits to be killed
CHILD = f"import sys, time; b = bytearray({HELD}); print('ready', flush=True); time.sleep(60)"


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="samples /proc (Linux)")
def test_the_peak_lists_each_process_of_the_tree_with_its_rss() -> None:
    with TreeRss(interval=0.05) as rss:
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
        try:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
            time.sleep(0.5)  # several samples while the child holds its memory
        finally:
            child.kill()
            child.wait()
    by_pid = {command.split()[0]: size for command, size in rss.at_peak}
    assert str(child.pid) in by_pid, rss.at_peak
    assert by_pid[str(child.pid)] >= HELD
    assert str(os.getpid()) in by_pid, rss.at_peak  # this process too (and any other child)
    assert rss.peak == sum(by_pid.values())
    assert rss.peak_after > 0
    child_command = next(c for c, _ in rss.at_peak if c.split()[0] == str(child.pid))
    assert "-c" in child_command.split()


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="samples /proc (Linux)")
def test_a_child_caught_between_fork_and_exec_is_not_a_second_copy() -> None:
    # Between fork and exec a child reports its parent's memory as its own RSS. Sampled at
    # that moment, a process holding a lot of memory (a loader, a publish) that starts a
    # short command (git) counted twice: the likely cause of one M backfill's 8.48 GiB peak
    # (2 x 4.24 GiB; the publish runs `git rev-parse` while it holds DuckDB's memory).
    held = bytearray(HELD)
    for i in range(0, HELD, 4096):
        held[i] = 1  # resident
    with TreeRss(interval=0.0005) as rss:
        for _ in range(300):
            subprocess.run(["true"], check=True)
    own = [size for command, size in rss.at_peak if command.split()[0] == str(os.getpid())]
    assert own and own[0] >= HELD
    assert rss.peak < own[0] + HELD / 2, rss.at_peak  # no second copy of the held memory
