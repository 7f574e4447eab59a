"""The watchdog's process tree (autograder.cohort.footprint.tree) against psutil's scan of every process."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import psutil

from autograder.cohort import footprint

# A process whose main thread starts one child and whose second thread starts another (each a
# thread's own child in /proc/<pid>/task/<tid>/children), one of them with a grandchild.
_TREE = textwrap.dedent("""
    import subprocess, sys, threading, time
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    nested = [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen(%r); time.sleep(60)" % (sleeper,)]
    kids = [subprocess.Popen(nested)]
    t = threading.Thread(target=lambda: kids.append(subprocess.Popen(sleeper)))
    t.start(); t.join()
    print("ready", flush=True)
    time.sleep(60)
""")


def _spawn_tree():
    proc = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 10
    while len(psutil.Process(proc.pid).children(recursive=True)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the grandchild is started by its parent, after "ready"
    return proc


def test_the_tree_is_every_descendant_psutil_finds_with_parents_first():
    proc = _spawn_tree()
    try:
        expected = {proc.pid} | {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        found = footprint.tree(proc.pid)
        assert len(expected) == 4, expected  # the process, its two children, one grandchild
        assert [p.pid for p in found][0] == proc.pid
        assert {p.pid for p in found} == expected
        position = {p.pid: i for i, p in enumerate(found)}
        for p in found[1:]:
            assert position[p.ppid()] < position[p.pid], "a child listed before its parent"
    finally:
        footprint.tree(proc.pid)  # still readable while it runs
        for p in reversed(psutil.Process(proc.pid).children(recursive=True)):
            p.kill()
        proc.kill()
        proc.wait()


def test_without_child_lists_it_falls_back_to_psutil(monkeypatch):
    proc = _spawn_tree()
    try:
        monkeypatch.setattr(footprint, "_children", lambda pid: None)
        expected = {proc.pid} | {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        assert {p.pid for p in footprint.tree(proc.pid)} == expected
    finally:
        for p in reversed(psutil.Process(proc.pid).children(recursive=True)):
            p.kill()
        proc.kill()
        proc.wait()


def test_a_process_that_is_gone_has_an_empty_tree():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert footprint.tree(proc.pid) == []
    assert footprint.tree(None) == []
