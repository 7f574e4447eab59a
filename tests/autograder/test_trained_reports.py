"""Trained-model specs report held-out outputs; the grading process computes the metric.

For the trained models of labs 5-13 the kernel trains and reports the model's raw outputs on the
held-out inputs (predictions, reconstructions, samples, logits; lab 13 its parameters, which the
grader attacks itself), and the judge recomputes the metric from them with targets it loads itself.
Here: the kernel half runs on the cases the grading process wrote, with every grader-side module
unimportable (as in the sandbox), and a judge given a malformed or forged report fails every check
of the case with a message instead of scoring it.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder.kernel import reports
from autograder.grading.cases import get_spec, given_files
from autograder.course import REPO
from autograder.grading.judging import judge_case
from tests.autograder.test_kernel_side import BLOCK_GRADER_SIDE

TRAINED = {
    "lab05_autoencoders": "train_autoencoder",
    "lab06_cnn": "train_cnn",
    "lab07_lstm": "train_forecaster",
    "lab09_gans": "train_gan",
    "lab10_transfer_learning": "finetune",
    "lab11_language_model": "train_mlp_lm",
    "lab12_gnn": "train_gcn",
    "lab13_adversarial": "train_robust_cnn",
}

# Runs in a fresh interpreter, as a sandboxed kernel does: the grading process (the test) wrote each
# lab's given files and cases file first; here every grader-side module (solutions, the case
# generators, judges, seeds) fails to import. Each trained-model runner runs a tiny stand-in for the
# student's function on the case it was given. Prints the encoded reports as JSON.
_KERNEL = BLOCK_GRADER_SIDE + r'''
import json, pathlib
import torch
from torch import nn

from autograder.kernel import reports
from autograder.kernel.runners import load_cases, runner_for

labs = json.loads(sys.argv[1])


class AE(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.enc, self.dec = nn.Linear(64, k), nn.Sequential(nn.Linear(k, 64), nn.Sigmoid())

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class G(nn.Module):
    latent_dim = 4

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 64), nn.Tanh())

    def forward(self, z):
        return self.net(z)


def classifier(k):
    return nn.Sequential(nn.Flatten(), nn.Linear(64, k))


stand_ins = {
    "lab05_autoencoders": lambda X, k, device, seed: AE(k),
    "lab06_cnn": lambda X, y, device, seed: classifier(10),
    "lab07_lstm": lambda series, window, device, seed: (lambda ctx: ctx[:, -1]),
    "lab09_gans": lambda X, device, seed, generator_loss=None: G(),
    "lab10_transfer_learning": lambda model, X, y, device, seed: classifier(5),
    "lab11_language_model": lambda X, Y, V, block, device, seed: nn.Sequential(
        nn.Embedding(V, 2), nn.Flatten(), nn.Linear(2 * block, V)),
    "lab12_gnn": lambda A, X, labels, mask, device, seed: torch.zeros(len(A), 3),
    "lab13_adversarial": lambda X, y, eps, device, seed: classifier(10),
}
out = {}
for lab, name in labs.items():
    qualname = f"{lab}.{name}"
    case = load_cases(qualname, pathlib.Path(f"{lab}.cases.json"))[0]
    out[lab] = reports.encode(runner_for(qualname).execute(stand_ins[lab], case, {}))
print(json.dumps(out))
'''


def test_kernel_half_runs_without_the_grader_side_and_its_reports_are_judged(tmp_path):
    from autograder.kernel.runners import GIVEN_DIR, decode_cases
    from autograder.grading.scoring import run_cases_file

    seed = 12345
    (tmp_path / GIVEN_DIR).mkdir()
    for lab in TRAINED:
        (tmp_path / f"{lab}.cases.json").write_bytes(run_cases_file(lab, seed))
        for name, data in given_files(lab).items():
            (tmp_path / GIVEN_DIR / name).write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "-c", _KERNEL, json.dumps(TRAINED)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    encoded = json.loads(done.stdout.strip().splitlines()[-1])
    for lab, name in TRAINED.items():
        spec = get_spec(f"{lab}.{name}")
        case = decode_cases(run_cases_file(lab, seed), spec.qualname)[0]
        results = judge_case(spec, case, None, reports.decode(encoded[lab]), None)
        assert len(results) == case.checks, (lab, results)
        assert not any("could not be checked" in (r.message or "") for r in results), (lab, results)
        assert any(r.passed for r in results), (lab, results)           # the time budget, at least
        assert not all(r.passed for r in results), (lab, results)       # a stand-in reaches no tier


def _zero_digits_cnn():
    """The parameters of digits_cnn() (8 and 16 channels), all zero: it predicts class 0 for every digit."""
    shapes = {"0.weight": (8, 1, 3, 3), "0.bias": (8,), "3.weight": (16, 8, 3, 3), "3.bias": (16,),
              "7.weight": (10, 64), "7.bias": (10,)}
    return {name: np.zeros(shape, np.float32) for name, shape in shapes.items()}


def _valid(lab):
    """A well-formed report of ``lab``'s trained-model spec (all-zero outputs)."""
    ints = lambda n: np.zeros(n, dtype=np.int64)  # noqa: E731
    return {
        "lab05_autoencoders": {"problem": None, "z_shape": (400, 8), "x_hat": np.zeros((400, 64), np.float32)},
        "lab06_cnn": {"predicted": ints(400)},
        "lab07_lstm": {"predictions": np.zeros(96)},
        "lab09_gans": {"samples": np.zeros((1000, 64), np.float32),
                       "generator_loss": {"calls": 30, "backpropagated": 30,
                                          "default": {"name": "generator_loss_nonsaturating", "on_probe": 0.0}}},
        "lab10_transfer_learning": {"predicted": ints(195)},
        "lab11_language_model": {"logits": np.zeros((3594, 27), np.float32)},
        "lab12_gnn": {"predicted": ints(120)},
        "lab13_adversarial": {"parameters": _zero_digits_cnn(), "clean": ints(400)},
    }[lab] | {"seconds": 0.5}


def _judge(lab, got):
    spec = get_spec(f"{lab}.{TRAINED[lab]}")
    case = spec.cases(np.random.default_rng(0))[0]
    results = judge_case(spec, case, None, got, None)
    assert len(results) == case.checks
    return results


def _malformed(lab):
    valid = _valid(lab)
    yield "not a dict", None
    yield "a model reported by its type name", reports.Unencodable("Sequential")
    yield "no training time", {k: v for k, v in valid.items() if k != "seconds"}
    yield "training time a string", {**valid, "seconds": "0.5"}
    for key, value in valid.items():
        if isinstance(value, np.ndarray):
            yield f"{key} missing", {k: v for k, v in valid.items() if k != key}
            yield f"{key} one row short", {**valid, key: value[:-1]}
            yield f"{key} of another dtype", {**valid, key: value.astype(np.int32 if value.dtype.kind == "f"
                                                                          else np.float32)}
            yield f"{key} a list", {**valid, key: value.tolist()}


@pytest.mark.parametrize("lab", list(TRAINED))
def test_a_well_formed_report_is_scored(lab):
    results = _judge(lab, _valid(lab))
    assert results[-1 if lab != "lab09_gans" else 2].passed      # the time budget
    assert not any("could not be checked" in (r.message or "") for r in results)


@pytest.mark.parametrize("lab", list(TRAINED))
def test_a_malformed_report_fails_every_check_with_a_message(lab):
    for what, got in _malformed(lab):
        results = _judge(lab, got)
        assert not any(r.passed for r in results), (lab, what, results)
        assert all(r.message and len(r.message) <= 300 for r in results), (lab, what)


def test_autoencoder_problem_and_latent_shape_fail_every_check():
    problem = _judge("lab05_autoencoders", {"problem": "the model has no method encode(...)", "seconds": 0.5})
    assert all(r.message == "the model has no method encode(...)" for r in problem)
    wrong_z = _judge("lab05_autoencoders", {**_valid("lab05_autoencoders"), "z_shape": (400, 3)})
    assert all("(400, 8)" in r.message for r in wrong_z)


def test_adversarial_parameters_that_are_not_digits_cnn_fail_the_accuracy_checks():
    valid = _valid("lab13_adversarial")
    params = valid["parameters"]
    for what, forged in [("another architecture", {"1.weight": np.zeros((10, 64), np.float32)}),
                         ("a shape changed", {**params, "7.weight": np.zeros((10, 32), np.float32)}),
                         ("NaN", {**params, "7.bias": np.full(10, np.nan, np.float32)})]:
        results = _judge("lab13_adversarial", {**valid, "parameters": forged})
        assert [r.passed for r in results] == [False, False, True], what
    for forged in (None, [np.zeros(3)], {"0.weight": "zeros"}):
        assert not any(r.passed for r in _judge("lab13_adversarial", {**valid, "parameters": forged}))
    wrong = _judge("lab13_adversarial", {**valid, "clean": np.arange(400, dtype=np.int64) % 10})
    assert "do not predict" in wrong[0].message


def test_gan_generator_loss_check_keeps_the_graders_name():
    valid = _valid("lab09_gans")
    never = {**valid["generator_loss"], "calls": 0, "backpropagated": 0}
    results = _judge("lab09_gans", {**valid, "generator_loss": never})
    assert results[3].case.endswith("the G step minimises generator_loss (default: the non-saturating loss)")
    assert "never called the generator_loss" in results[3].message
    for forged in (("name", None), "train_gan minimised generator_loss", None):
        assert not any(r.passed for r in _judge("lab09_gans", {**valid, "generator_loss": forged})), forged


def _dcgan_valid():
    counts = {"strided_conv": 0, "strided_transposed_conv": 2, "batchnorm": 2, "leaky_relu": 0, "pooling": 0, "linear": 1}
    return {"samples": np.zeros((1000, 64), np.float32), "seconds": 0.5,
            "architecture": {"generator": counts, "discriminator": {**counts, "strided_conv": 2, "leaky_relu": 2,
                                                                    "strided_transposed_conv": 0},
                             "d_output_shape": [4, 1]}}


def _judge_dcgan(got):
    spec = get_spec("lab09_gans.train_dcgan")
    case = spec.cases(np.random.default_rng(0))[0]
    results = judge_case(spec, case, None, got, None)
    assert len(results) == case.checks == 4
    return results


def test_dcgan_report_is_scored_and_a_malformed_one_fails_every_check():
    valid = _dcgan_valid()
    results = _judge_dcgan(valid)
    assert [r.passed for r in results] == [False, False, True, True]     # blank samples; in time; a DCGAN
    for what, got in [("not a dict", None), ("samples missing", {k: v for k, v in valid.items() if k != "samples"}),
                      ("samples flattened wrong", {**valid, "samples": np.zeros((1000, 1, 8, 8), np.float32)}),
                      ("no time", {k: v for k, v in valid.items() if k != "seconds"}),
                      ("architecture missing", {**valid, "architecture": None}),
                      ("counts forged", {**valid, "architecture": {**valid["architecture"], "generator": {"batchnorm": True}}})]:
        results = _judge_dcgan(got)
        assert not any(r.passed for r in results), what
        assert all(r.message and len(r.message) <= 300 for r in results), what
    mlp = {**valid["architecture"], "generator": {**valid["architecture"]["generator"], "strided_transposed_conv": 0}}
    results = _judge_dcgan({**valid, "architecture": mlp})
    assert "ConvTranspose2d" in results[3].message
