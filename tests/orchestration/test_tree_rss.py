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
    child_command = next(c for c, _ in rss.at_peak if c.startswith(str(child.pid)))
    assert "-c" in child_command.split()
