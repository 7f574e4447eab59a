"""bench/gpu_check.py is ready to run: on a machine without a CUDA GPU it says what it would do and exits 0."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_without_a_gpu_the_check_prints_its_plan_and_exits_0():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: run bench/gpu_check.py itself")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "gpu_check.py")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no CUDA GPU here" in done.stdout
    assert "would check 9 PyTorch labs" in done.stdout and "lab13_adversarial" in done.stdout
