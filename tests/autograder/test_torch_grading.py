"""Torch's grading numerics are process-wide: blocks in two threads at once keep them until the last ends."""
import threading

import pytest

torch = pytest.importorskip("torch")

from autograder.kernel.torch_grading import deterministic  # noqa: E402


def test_overlapping_blocks_in_two_threads_keep_deterministic_algorithms_until_the_last_ends():
    assert not torch.are_deterministic_algorithms_enabled()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():  # opens first, closes first
        with deterministic():
            a_in.set()
            assert b_in.wait(10)
        a_out.set()

    def second():  # opens while the first is open, checks after the first has closed
        assert a_in.wait(10)
        with deterministic():
            b_in.set()
            assert a_out.wait(10)
            seen["inside"] = torch.are_deterministic_algorithms_enabled()
            seen["tf32"] = torch.backends.cuda.matmul.allow_tf32

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"inside": True, "tf32": False}
    assert not torch.are_deterministic_algorithms_enabled()
