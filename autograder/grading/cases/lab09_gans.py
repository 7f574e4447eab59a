"""Hidden cases of lab 9: GAN losses from logits / scores, the WGAN-GP gradient penalty, a trained GAN.

Losses are drawn as NumPy arrays and handed to the functions as float64 tensors on the grading device
(``autograder.kernel.torch_grading.tensor``): shapes (N,) and (N, 1), batches of different sizes, one sample,
logits of magnitude 38–45 where a naive ``log(sigmoid(l))`` gives inf (the losses must be computed from
logits with softplus) and of 750–1000 where exp overflows, with random signs, and zeros of random
lengths. ``gradient_penalty`` gets fixed critics built in float64 from the case's
arrays (linear, MLP, small CNN on (N, 1, 5, 4) images) and a fresh seeded ``torch.Generator`` on the
grading device, so the student's and the reference's α are the same when both draw them with the one
``torch.rand`` call the notebook prescribes. Two cases also compare the gradient of the penalty with
respect to the critic's parameters (it exists only with ``create_graph=True``).

``train_gan`` is run once on the notebook's 1000 training digits with a fixed seed on the grading
device, timed on one CPU thread after a warm-up, and its generator is scored on 1000 samples (z from a fixed seed) by
a logistic-regression digit classifier trained on the same 1000 training digits (cached per process;
its accuracy on the 400 held-out digits, which no notebook sees, is 0.965): the kernel reports the
samples (:func:`~autograder.kernel.runners.lab09_gans.train_and_sample`), the grading process fits the
classifier and scores them (:func:`score_report`). The notebook's random states and thread count are
restored afterwards. The run passes ``generator_loss=`` a recording copy of the non-saturating loss
(:class:`~autograder.kernel.runners.lab09_gans.GeneratorLossSpy`): a fourth check asks that the G step
back-propagates the loss it is given and that the signature's default is the non-saturating loss, so
a train_gan that trains with the saturating (minimax) loss loses that point although, with Adam at
this scale, it reaches the quality tiers. That check watches the training run itself and the
student's function, so the kernel reports the facts (how many losses were computed and
back-propagated; the default's name and its value on probe logits drawn with the case) and they are
judged here (:func:`generator_loss_check`).

``train_dcgan`` (the syllabus's Deep Convolutional GAN) is trained and scored the same way, on the
training digits as (N, 1, 8, 8) images after the same warm-up; it returns ``(G, D)``. The kernel
reports 1000 samples of G and what G and D are made of
(:func:`~autograder.kernel.runners.lab09_gans.dcgan_facts`); a fourth check judges here whether that is
a DCGAN (:func:`architecture_message`): a strided ``nn.ConvTranspose2d`` and batch norm in G, a strided
``nn.Conv2d`` and LeakyReLU in D, no pooling, one logit per image.

How each function is run on a case is the kernel's side, :mod:`autograder.kernel.runners.lab09_gans`.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.kernel.runners.lab09_gans import N_SAMPLES, generate_samples, train_and_sample, train_and_sample_dcgan

LAB = "lab09_gans"


# ------------------------------------------------------------------------------ the losses
def _logits(rng, shape, scale=2.0):
    return rng.normal(0.0, scale, shape)


def _signed(rng, n, low, high):
    """``n`` ≥ 2 values of magnitude in [low, high], random signs, both signs present."""
    signs = rng.permutation(np.r_[1.0, -1.0, rng.choice([-1.0, 1.0], n - 2)])
    return signs * rng.uniform(low, high, n)


# Large scores: |l| ≥ 38, where σ(l) rounds to exactly 1 in float64 (naive log(1 − σ(l)) is −inf);
# extreme ones: |l| ≥ 750, where exp(|l|) overflows and exp(−|l|) underflows to 0.
_LARGE = (38.0, 45.0)
_EXTREME = (750.0, 1000.0)


def _two_batch_cases(rng):
    """(real, fake) pairs for the discriminator / critic losses."""
    n_zero, m_zero = int(rng.integers(2, 14)), int(rng.integers(2, 14))
    extreme_real = np.r_[_signed(rng, int(rng.integers(2, 5)), *_EXTREME), _logits(rng, 1)]
    return [
        Case("real (8,), fake (8,), logits ~ N(0, 2²)", (_logits(rng, 8), _logits(rng, 8))),
        Case("real (6, 1), fake (6, 1) (column shape)", (_logits(rng, (6, 1)), _logits(rng, (6, 1)))),
        Case("batches of different sizes: real (7,), fake (3,)", (_logits(rng, 7), _logits(rng, 3))),
        Case("one sample each", (_logits(rng, 1), _logits(rng, 1))),
        Case("large scores ±(38..45) (stability: softplus, not log(sigmoid))",
             (_signed(rng, int(rng.integers(3, 7)), *_LARGE), _signed(rng, int(rng.integers(3, 7)), *_LARGE))),
        Case(f"all scores zero, real ({n_zero},), fake ({m_zero},)", (np.zeros(n_zero), np.zeros(m_zero))),
        Case("extreme logits ±(750..1000)",
             (rng.permutation(extreme_real), _signed(rng, int(rng.integers(2, 5)), *_EXTREME))),
        Case("real scores all high, fake all low (a winning D)", (np.abs(_logits(rng, 9)) + 2, -np.abs(_logits(rng, 9)) - 2)),
        Case("scores near the hinge margins ±1", (1.0 + rng.normal(0, 0.3, 10), -1.0 + rng.normal(0, 0.3, 10))),
        Case("random (32, 1) and (32, 1), wide scores ~ N(0, 5²)", (_logits(rng, (32, 1), 5.0), _logits(rng, (32, 1), 5.0))),
    ]


def _one_batch_cases(rng):
    n_zero = int(rng.integers(2, 14))
    large = np.r_[_signed(rng, int(rng.integers(3, 6)), *_LARGE), rng.uniform(-1, 1)]
    extreme = np.r_[_signed(rng, int(rng.integers(2, 5)), *_EXTREME), rng.uniform(-4, 4)]
    return [
        Case("fake (8,), logits ~ N(0, 2²)", (_logits(rng, 8),)),
        Case("fake (6, 1) (column shape)", (_logits(rng, (6, 1)),)),
        Case("one sample", (_logits(rng, 1),)),
        Case("large scores ±(38..45) (stability: softplus, not log(sigmoid))", (rng.permutation(large),)),
        Case(f"all zero ({n_zero},)", (np.zeros(n_zero),)),
        Case("extreme logits ±(750..1000) (sigmoid underflows to 0 or rounds to 1)", (rng.permutation(extreme),)),
        Case("all very negative (D rejects every fake)", (-np.abs(_logits(rng, 7)) - 5,)),
        Case("scores near ±1", (rng.choice([-1.0, 1.0], 10) + rng.normal(0, 0.2, 10),)),
        Case("random (32, 1), wide scores ~ N(0, 5²)", (_logits(rng, (32, 1), 5.0),)),
    ]


# ------------------------------------------------------------------------ gradient_penalty
def _gp_case(rng, name, kind, x_shape, lam=None, seed=None, param_grad=False):
    d = int(np.prod(x_shape[1:]))
    if kind == "linear":
        params = [rng.normal(0, 0.5, d), rng.normal(0, 1, ())]
    elif kind == "mlp":
        h = 7
        params = [rng.normal(0, 1 / np.sqrt(d), (h, d)), rng.normal(0, 0.5, h),
                  rng.normal(0, 1 / np.sqrt(h), (1, h)), rng.normal(0, 0.5, 1)]
    else:
        params = [rng.normal(0, 0.5, (3, x_shape[1], 3, 3)), rng.normal(0, 0.3, 3), rng.normal(0, 1, 3)]
    kwargs = {} if lam is None else {"lam": lam}
    real, fake = rng.normal(0, 1, x_shape), rng.normal(0.5, 1.5, x_shape)
    seed = int(rng.integers(0, 2**31)) if seed is None else seed
    return Case(name, (kind, params, real, fake, seed, param_grad), kwargs)


def _gp_cases(rng):
    lam = round(float(rng.uniform(1.5, 4.0)), 2)
    return [
        _gp_case(rng, "linear critic on (6, 5) inputs (‖∇f‖ = ‖w‖ for every x̂)", "linear", (6, 5)),
        _gp_case(rng, "MLP critic on (8, 4) inputs", "mlp", (8, 4)),
        _gp_case(rng, "MLP critic on (5, 3, 2) inputs (norm over all non-batch dimensions)", "mlp", (5, 3, 2)),
        _gp_case(rng, "CNN critic on images (4, 2, 5, 4), scores (N,)", "cnn", (4, 2, 5, 4)),
        _gp_case(rng, f"MLP critic, lam = {lam:g}", "mlp", (7, 3), lam=lam),
        _gp_case(rng, "one sample, MLP critic on (1, 6)", "mlp", (1, 6)),
        _gp_case(rng, "MLP critic: gradient w.r.t. the critic's parameters (create_graph=True)", "mlp", (6, 4),
                 param_grad=True),
        _gp_case(rng, "CNN critic: gradient w.r.t. the critic's parameters (create_graph=True)", "cnn",
                 (3, 1, 4, 4), param_grad=True),
    ]


# ------------------------------------------------------------------------------- train_gan
# Tiers from a family of recipes (bench/trained_tiers.py: the reference, solutions/gan_models.py, MLP G
# 16→128→128→64 (tanh) and D 64→128→128→1, Adam η = 2·10⁻³, β₁ = 0.5, 60 epochs of minibatches of 64,
# non-saturating loss; and the train_gan variants of autograder/grading/catalogue/variants/lab09_gans.py)
# on the 1000 training digits, float32, CPU, one thread; 1000 samples scored by the classifier below,
# confidence (mean max probability) and, in brackets, the classes with ≥ 10 samples:
#   seed                                        0           1           2           3           4
#   reference                                   0.720 (10)  0.699 (10)  0.697 (10)  0.677 (10)  0.716 (10)
#   Adam 1e-3, nn.Module classes                0.664 (10)  0.664 (10)  0.708 (9)   0.631 (10)  0.607 (10)
#   256 units, minibatches of 128               0.677 (10)  0.682 (10)  0.653 (10)  0.645 (10)  0.656 (10)
#   minibatches of 32, 40 epochs, Adam 1e-3     0.660 (10)  0.645 (10)  0.700 (9)   0.680 (9)   0.698 (10)
#   not learnt: 2 epochs                        0.343 (3)   0.332 (2)   0.885 (1)   0.792 (1)   0.467 (2)
#   not learnt: 6 epochs                        0.411 (2)   0.277 (4)   0.439 (1)   0.234 (5)   0.287 (4)
# Rule: confidence ≥ 0.52 (75 % of the reference's median 0.699, rounded down to 0.01; the lowest correct
# run is 0.607) and coverage ≥ 9 of the 10 classes (every correct run; no not-learnt run covers more than
# 5: a generator collapsed on one digit can be confident, so both are needed). A G with ReLU units at
# η = 10⁻³ or 5·10⁻⁴ dropped digits on most seeds (6–8 classes): the coverage tier counts that against it.
# Other separation (seed 0): an untrained generator scores 0.49 with 1 class, no optimizer.zero_grad for G
# 0.63 with 7 classes (collapse onto 2s and 3s). Without detach the D step crashes. The saturating
# (minimax) loss trains as well as the non-saturating one with Adam at this scale (0.71, 10 classes): the
# quality tiers cannot catch it, the generator-loss check below does. The visible check's samples (another
# z) scored within 0.035 of these and at most one class fewer.
# tests/solutions/test_gan_losses.py re-runs the reference's five seeds and asserts every check on each.
GRADING_SEED = 0
SEEDS = (0, 1, 2, 3, 4)
CONFIDENCE_TIER = 0.52
COVERAGE_TIER = 9
MIN_SAMPLES_PER_CLASS = 10
# Budget: the reference trains in 1.8–2.3 s here (one thread, after the runner's warm-up), the slowest
# correct recipe in 2.7 s; 8 s is about 4× the reference's 2 s: room for a slower or busy machine.
BUDGET_S = 8.0

_CLASSIFIER = []


def digit_classifier():
    """Logistic regression (C = 1) on the notebook's 1000 training digits in [0, 1], cached per process."""
    if not _CLASSIFIER:
        from sklearn.linear_model import LogisticRegression

        from labkit.data import digits_split

        X, y = digits_split("train")
        _CLASSIFIER.append(LogisticRegression(max_iter=2000, C=1.0).fit(X, y))
    return _CLASSIFIER[0]


def quality_of_samples(images) -> dict:
    """Grading process: confidence and class coverage of reported samples (outputs in [−1, 1]), scored
    by :func:`digit_classifier`. The report is untrusted: anything but a float array of shape
    (N_SAMPLES, 64) raises ValueError with a message."""
    from autograder.grading.trained_models import described

    if not isinstance(images, np.ndarray) or images.dtype not in (np.float32, np.float64) \
            or images.shape != (N_SAMPLES, 64):
        raise ValueError(f"the reported samples should be a float array of shape ({N_SAMPLES}, 64), "
                         f"got {described(images)}")
    x = (images.astype(np.float64) + 1.0) / 2.0        # [−1, 1] → the classifier's [0, 1]
    if not np.all(np.isfinite(x)):
        return {"confidence": float("nan"), "coverage": 0}
    proba = digit_classifier().predict_proba(x)
    counts = np.bincount(proba.argmax(axis=1), minlength=10)
    return {"confidence": float(proba.max(axis=1).mean()), "coverage": int((counts >= MIN_SAMPLES_PER_CLASS).sum())}


def sample_quality(generator, device) -> dict:
    """Both halves in one process: confidence and class coverage of ``N_SAMPLES`` images of ``generator``."""
    return quality_of_samples(generate_samples(generator, device))


# The G-step check: the kernel passes train_gan a recording non-saturating loss and reports how the
# run used it and what the signature's default is (runners.lab09_gans.generator_loss_facts); it is
# judged here on the case's probe logits.
GENERATOR_LOSS_CHECK = "the G step minimises generator_loss (default: the non-saturating loss)"
#: Probe logits of the tier tests (a graded run draws its own).
PROBE = np.array([-3.0, -0.5, 0.0, 2.0])


def _probe(rng):
    """Logits on which a default generator loss must equal the non-saturating loss: both signs, one large."""
    large = rng.uniform(4.0, 8.0) * rng.choice([-1.0, 1.0])
    return rng.permutation(np.r_[rng.normal(0.0, 2.0, int(rng.integers(3, 6))), large])


def _default_message(default, probe):
    """``None`` when the reported default generator loss is the non-saturating loss, else why not.

    The default passes when it is the notebook's ``generator_loss_nonsaturating`` (by name, so a bug in
    that function costs points only on its own test) or computes mean softplus(−l) on the probe logits.
    """
    import torch

    from solutions.gan_losses import generator_loss_nonsaturating

    if default is None:
        return "train_gan has no parameter generator_loss with a default (keep the given signature)"
    if not (isinstance(default, dict) and isinstance(default.get("name"), str)
            and isinstance(default.get("on_probe"), float) and not isinstance(default.get("on_probe"), bool)):
        raise ValueError("the reported default generator_loss is not readable")
    if default["name"] == "generator_loss_nonsaturating":
        return None
    expected = float(generator_loss_nonsaturating(torch.as_tensor(np.asarray(probe), dtype=torch.float64)))
    if abs(default["on_probe"] - expected) <= 1e-6:
        return None
    return (f"the default generator_loss of train_gan is {default['name'][:80]}, "
            "not the non-saturating generator_loss_nonsaturating")


def generator_loss_check(facts, probe):
    """``(check name, message | None)`` from :func:`~autograder.kernel.runners.lab09_gans.generator_loss_facts`
    (untrusted: malformed facts raise ValueError): the G step minimises the given loss; the default is
    non-saturating."""
    name = GENERATOR_LOSS_CHECK
    if not isinstance(facts, dict) or not all(
            isinstance(facts.get(k), int) and not isinstance(facts.get(k), bool) for k in ("calls", "backpropagated")):
        raise ValueError(f"the reported use of generator_loss is not readable (got {type(facts).__name__})")
    calls, backpropagated = facts["calls"], facts["backpropagated"]
    if calls == 0:
        return name, ("train_gan never called the generator_loss it was given: the G step must minimise "
                      "generator_loss(D(G(z)))")
    if backpropagated < calls:
        return name, (f"of {calls} losses returned by generator_loss only {backpropagated} were "
                      "back-propagated: the G step must minimise generator_loss(D(G(z)))")
    return name, _default_message(facts.get("default"), probe)


def score_report(got, probe) -> dict:
    """Grading process: ``{"confidence", "coverage", "seconds", "generator_loss": (check name, message)}``
    from a report of :func:`~autograder.kernel.runners.lab09_gans.train_and_sample` on ``probe`` (untrusted: a
    malformed one raises ValueError)."""
    from autograder.grading.trained_models import reported_seconds

    if not isinstance(got, dict):
        raise ValueError(f"the report of the trained GAN is not readable (got {type(got).__name__})")
    return {**quality_of_samples(got.get("samples")), "seconds": reported_seconds(got),
            "generator_loss": generator_loss_check(got.get("generator_loss"), probe)}


def run_training(fn, seed=GRADING_SEED, device=None, probe=PROBE):
    """Both halves in one process (for the tier tests): sample quality, training seconds, loss use;
    ``got["generator_loss"]`` is :func:`generator_loss_check`'s pair (message ``None``: passed)."""
    return score_report(train_and_sample(fn, seed, probe, device), probe)


def quality_checks(got):
    from autograder.grading.trained_models import threshold_checks

    conf = threshold_checks(got["confidence"], got["seconds"], metric="classifier confidence",
                            tiers=[CONFIDENCE_TIER], budget_s=BUDGET_S)
    cov = threshold_checks(got["coverage"], got["seconds"], metric=f"number of classes with ≥ "
                           f"{MIN_SAMPLES_PER_CLASS} of {N_SAMPLES} samples", tiers=[COVERAGE_TIER], budget_s=BUDGET_S)
    return [conf[0], cov[0], conf[1], got["generator_loss"]]


def _judge_train(got, expected, case):
    _, probe = case.args
    return quality_checks(score_report(got, probe))


def _train_cases(rng):
    # fixed by nature: the tiers were set for this training seed (the probe logits are drawn)
    return [Case(f"1000 training digits, seed {GRADING_SEED}, {N_SAMPLES} samples scored by a digit classifier",
                 (GRADING_SEED, _probe(rng)), checks=4)]


# ----------------------------------------------------------------------------- train_dcgan
# Tiers from a family of recipes (bench/trained_tiers.py: the reference, solutions/gan_models.py,
# train_dcgan: G projects z (16) to 32 maps of 2×2, two transposed convolutions (kernel 4, stride 2) with
# batch norm and ReLU, tanh; D two strided convolutions (16 and 32 channels) with LeakyReLU(0.2), batch
# norm on the second, a linear read-out; Adam η = 2·10⁻³, β₁ = 0.5, 30 epochs of minibatches of 64; and
# the train_dcgan variants of the catalogue), scored like train_gan (confidence, classes with ≥ 10 samples):
#   seed                                        0           1           2           3           4
#   reference                                   0.687 (10)  0.693 (10)  0.714 (10)  0.712 (10)  0.708 (10)
#   nn.Module classes, Adam 1e-3                0.697 (10)  0.681 (10)  0.700 (10)  0.691 (10)  0.708 (10)
#   4×4 projection, one transposed conv, k 3 D  0.684 (10)  0.650 (10)  0.694 (10)  0.674 (10)  0.709 (10)
#   32 channels, minibatches of 128, 40 epochs  0.708 (10)  0.674 (10)  0.690 (10)  0.685 (10)  0.675 (10)
#   not learnt: 2 epochs                        0.429 (5)   0.407 (7)   0.295 (8)   0.383 (6)   0.542 (3)
#   not learnt: 4 epochs                        0.476 (7)   0.460 (8)   0.540 (7)   0.580 (5)   0.495 (8)
# Rule: confidence ≥ 0.60 (between the best not-learnt run, 0.580, and the lowest correct one, 0.650)
# and coverage ≥ 9 classes (correct runs: 10; not learnt: at most 8). The architecture check (below)
# asks for the DCGAN's layers; an MLP GAN submitted as train_dcgan reaches the quality tiers and fails it.
# Budget: the reference trains in 3.2–3.4 s here (one thread, after the warm-up), the slowest correct
# recipe (32 channels, 40 epochs) in 5.8 s; 15 s is about 4.5× the reference, rounded up.
# tests/solutions/test_gan_losses.py checks the reference and an alternative recipe on seed 0 and that
# 2 epochs fail.
DCGAN_CONFIDENCE_TIER = 0.60
DCGAN_COVERAGE_TIER = 9
DCGAN_BUDGET_S = 15.0
ARCHITECTURE_CHECK = ("G and D in DCGAN's style (a strided transposed convolution and batch norm in G; a strided "
                      "convolution and LeakyReLU in D, no pooling; D gives one logit per image)")


def architecture_message(facts) -> str | None:
    """``None`` when the reported :func:`~autograder.kernel.runners.lab09_gans.dcgan_facts` describe a
    DCGAN, else what is missing. The facts are untrusted: malformed ones raise ValueError."""
    keys = ("strided_conv", "strided_transposed_conv", "batchnorm", "leaky_relu", "pooling", "linear")
    if not isinstance(facts, dict):
        raise ValueError(f"the reported architecture is not readable (got {type(facts).__name__})")
    nets = {}
    for net in ("generator", "discriminator"):
        counts = facts.get(net)
        if counts is None:
            return f"the {net} returned by train_dcgan is not an nn.Module: return the pair (G, D) of modules"
        if not isinstance(counts, dict) or not all(isinstance(counts.get(k), int) and not isinstance(counts.get(k), bool)
                                                   for k in keys):
            raise ValueError(f"the reported architecture of the {net} is not readable")
        nets[net] = counts
    G, D = nets["generator"], nets["discriminator"]
    missing = []
    if G["strided_transposed_conv"] < 1:
        missing.append("G has no nn.ConvTranspose2d with stride 2 (DCGAN up-samples with transposed convolutions)")
    if G["batchnorm"] < 1:
        missing.append("G has no nn.BatchNorm2d")
    if D["strided_conv"] < 1:
        missing.append("D has no nn.Conv2d with stride 2 (DCGAN down-samples with strided convolutions)")
    if D["pooling"] or G["pooling"]:
        missing.append("a network has pooling layers (DCGAN replaces pooling by strided convolutions)")
    if D["leaky_relu"] < 1:
        missing.append("D has no nn.LeakyReLU")
    shape = facts.get("d_output_shape")
    if shape not in ([4], [4, 1]):
        missing.append(f"D maps 4 images (4, 1, 8, 8) to {'an error' if shape is None else tuple(shape)}, "
                       "expected logits of shape (4,) or (4, 1)")
    return "; ".join(missing) or None


def score_dcgan_report(got) -> dict:
    """Grading process: ``{"confidence", "coverage", "seconds", "architecture": message | None}`` from a
    report of :func:`~autograder.kernel.runners.lab09_gans.train_and_sample_dcgan` (untrusted: a
    malformed one raises ValueError)."""
    from autograder.grading.trained_models import reported_seconds

    if not isinstance(got, dict):
        raise ValueError(f"the report of the trained DCGAN is not readable (got {type(got).__name__})")
    return {**quality_of_samples(got.get("samples")), "seconds": reported_seconds(got),
            "architecture": architecture_message(got.get("architecture"))}


def run_dcgan_training(fn, seed=GRADING_SEED, device=None):
    """Both halves in one process (for the tier tests and the bench): sample quality, seconds, architecture."""
    return score_dcgan_report(train_and_sample_dcgan(fn, seed, device))


def dcgan_checks(got):
    from autograder.grading.trained_models import threshold_checks

    conf = threshold_checks(got["confidence"], got["seconds"], metric="classifier confidence",
                            tiers=[DCGAN_CONFIDENCE_TIER], budget_s=DCGAN_BUDGET_S)
    cov = threshold_checks(got["coverage"], got["seconds"], metric=f"number of classes with ≥ "
                           f"{MIN_SAMPLES_PER_CLASS} of {N_SAMPLES} samples", tiers=[DCGAN_COVERAGE_TIER],
                           budget_s=DCGAN_BUDGET_S)
    return [conf[0], cov[0], conf[1], (ARCHITECTURE_CHECK, got["architecture"])]


def _judge_dcgan(got, expected, case):
    return dcgan_checks(score_dcgan_report(got))


def _dcgan_cases(rng):
    # fixed by nature: the tiers were set for this training seed
    return [Case(f"1000 training digits, seed {GRADING_SEED}, {N_SAMPLES} samples scored by a digit classifier",
                 (GRADING_SEED,), checks=4)]


for _name in ("discriminator_loss", "lsgan_discriminator_loss", "hinge_discriminator_loss", "wasserstein_critic_loss"):
    register(Spec(f"{LAB}.{_name}", _two_batch_cases))
for _name in ("generator_loss_minimax", "generator_loss_nonsaturating", "lsgan_generator_loss", "hinge_generator_loss"):
    register(Spec(f"{LAB}.{_name}", _one_batch_cases))
register(Spec(f"{LAB}.gradient_penalty", _gp_cases))
register(Spec(f"{LAB}.train_gan", _train_cases, judge=_judge_train, reference_needed=False))
register(Spec(f"{LAB}.train_dcgan", _dcgan_cases, judge=_judge_dcgan, reference_needed=False))
