"""Every hidden case's input is drawn from the run seed, except the few that are fixed by nature.

Under ``dlcourse grade`` the kernel receives each run's cases as data and never sees a generator, so
a case whose input changes with the run seed cannot be answered from a table made earlier. Only the
cases listed here have one input whatever the seed, each for the reason given (none of them can be
answered from a table without doing what the case checks); a new fixed case must be added here with
its reason, or drawn from the run seed.
"""
import pytest

from autograder.kernel import reports
from autograder.grading.cases import specs_for_lab
from autograder.course import REPO
from autograder.grading.seeding import case_rng

FIXED_BY_NATURE = {
    # karate_adjacency() takes no input: its three checks are of the one dataset
    "lab12_gnn.karate_adjacency": "all",
    # a graph of one node has one adjacency matrix, [[0]]
    "lab12_gnn.normalized_adjacency": {"a single node"},
    "lab12_gnn.edge_index_from_adjacency": {"a single node"},
}
# a trained model's run: the notebook's data, hyperparameters and seed, for which the tiers were set
TRAINED = {"lab05_autoencoders.train_autoencoder", "lab06_cnn.train_cnn", "lab07_lstm.train_forecaster",
           "lab08_vae.train_vae", "lab09_gans.train_dcgan", "lab10_transfer_learning.finetune", "lab11_language_model.train_mlp_lm",
           "lab12_gnn.train_gcn", "lab13_adversarial.train_robust_cnn"}
LABS = sorted(p.stem for p in (REPO / "autograder" / "grading" / "cases").glob("lab*.py"))


def _encoded(case) -> str:
    return repr(reports.encode((case.args, case.kwargs)))


def _fixed(spec) -> set[str]:
    """Names of the cases whose inputs are the same under three run seeds."""
    draws = [spec.cases(case_rng(spec.qualname, seed)) for seed in (1, 2, 3)]
    return {cases[0].name for cases in zip(*draws) if len({_encoded(c) for c in cases}) == 1}


@pytest.mark.parametrize("lab", LABS)
def test_only_cases_fixed_by_nature_have_the_same_input_on_every_run(lab):
    unexpected = {}
    for spec in specs_for_lab(lab):
        allowed = FIXED_BY_NATURE.get(spec.qualname, set())
        fixed = _fixed(spec)
        if spec.qualname in TRAINED or allowed == "all":
            continue
        if fixed - allowed:
            unexpected[spec.qualname] = sorted(fixed - allowed)
    assert not unexpected, f"cases with one input on every run (draw them from the run seed): {unexpected}"


def test_the_list_of_fixed_cases_names_only_cases_that_exist():
    for qualname, names in FIXED_BY_NATURE.items():
        lab = qualname.split(".")[0]
        spec = next(s for s in specs_for_lab(lab) if s.qualname == qualname)
        drawn = {c.name for c in spec.cases(case_rng(qualname, 1))}
        assert names == "all" or names <= drawn, (qualname, names - drawn)
    for qualname in TRAINED:
        spec = next(s for s in specs_for_lab(qualname.split(".")[0]) if s.qualname == qualname)
        assert not spec.reference_needed, f"{qualname} is not a trained-model spec"


def test_no_right_answer_of_lab_1_is_the_same_on_every_run():
    """Lab 1 (the corpus lab) goes further: no case's expected output is the same under three run
    seeds either, so even a report made of constants gets nothing right. (Other labs have such cases:
    a ValueError for an invalid argument, a zero penalty at lambda = 0, log 2 for all-zero logits;
    docs/tamper-proof-grading.md counts them.)"""
    from autograder.grading.judging import expected_output
    from autograder.kernel.runners import decode_cases, encode_cases

    constant = {}
    for spec in specs_for_lab("lab01_neurons_losses"):
        runs = [decode_cases(encode_cases({spec.qualname: spec.cases(case_rng(spec.qualname, seed))}), spec.qualname)
                for seed in (1, 2, 3)]
        for cases in zip(*runs):
            if len({repr(reports.encode(expected_output(spec, c))) for c in cases}) == 1:
                constant.setdefault(spec.qualname, []).append(cases[0].name)
    assert not constant, f"cases whose right answer does not depend on the draw: {constant}"
