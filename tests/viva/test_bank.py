"""The viva question bank: the real bank's coverage, and every schema violation caught by load_bank."""
import copy
import json
from collections import Counter

from pathlib import Path

import pytest
import yaml

from autograder.grading.cases import specs_for_lab
from autograder.viva.bank import (
    KINDS,
    QUESTIONS_DIR,
    BankError,
    Question,
    load_bank,
    notebook_text,
    questions_for,
)

# Every lab with a question file (the bank test below checks each names a lab that exists).
LABS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "autograder" / "viva" / "questions").glob("*.yaml"))


@pytest.fixture(scope="module")
def bank():
    return load_bank()


# --- the real bank ---------------------------------------------------------------------------------


def test_real_bank_loads_with_one_file_per_existing_lab(bank):
    assert sorted(p.stem for p in QUESTIONS_DIR.glob("*.yaml")) == LABS
    assert all(isinstance(q, Question) for q in bank)
    assert sorted({q.lab for q in bank}) == LABS


@pytest.mark.parametrize("lab", LABS)
def test_at_least_ten_questions_per_lab(bank, lab):
    assert sum(q.lab == lab for q in bank) >= 10


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_function_has_a_question(bank, lab):
    abouts = {q.about for q in bank if q.lab == lab}
    missing = [s.name for s in specs_for_lab(lab) if s.name not in abouts]
    assert not missing, f"{lab}: no viva question about {missing}"


@pytest.mark.parametrize("lab", LABS)
def test_every_declared_topic_has_a_question(bank, lab):
    data = yaml.safe_load((QUESTIONS_DIR / f"{lab}.yaml").read_text(encoding="utf-8"))
    abouts = {q.about for q in bank if q.lab == lab}
    assert [t for t in data["topics"] if t not in abouts] == []


def test_ids_unique_and_fields_in_range(bank):
    assert not [i for i, n in Counter(q.id for q in bank).items() if n > 1]
    for q in bank:
        assert q.id.startswith(q.lab[:5] + "-")
        assert q.kind in KINDS and q.difficulty in (1, 2, 3)
        assert 2 <= len(q.listen_for) <= 4


def test_bank_uses_every_kind_and_difficulty(bank):
    assert {q.kind for q in bank} == set(KINDS)
    assert {q.difficulty for q in bank} == {1, 2, 3}


@pytest.mark.parametrize("lab, words", [
    ("lab01_neurons_losses", ["σ(x)", "outlier", "|r| = δ"]),
    ("lab02_backprop", ["saddle point", "vanishing", "universal approximation"]),
    ("lab03_optimizers", ["bias correction", "t = 1", "epochs"]),
    ("lab04_regularization_init", ["biases", "co-adaptation", "Xavier", "He"]),
])
def test_required_subjects_are_asked(bank, lab, words):
    text = " ".join(q.question for q in bank if q.lab == lab)
    assert [w for w in words if w not in text] == []


def test_questions_for_filters_by_lab_and_about(bank):
    lab3 = questions_for("lab03_optimizers")
    assert lab3 == [q for q in bank if q.lab == "lab03_optimizers"]
    adam = questions_for("lab03_optimizers", "adam")
    assert len(adam) >= 2 and all(q.about == "adam" for q in adam)
    assert questions_for("lab03_optimizers", "bias correction", bank=bank)
    with pytest.raises(KeyError):
        questions_for("lab99_nothing")
    with pytest.raises(KeyError):
        questions_for("lab03_optimizers", "dropout_forward")


# --- schema violations in small temporary banks ----------------------------------------------------

GOOD_QUESTION = {
    "id": "lab01-sigmoid-derivative",
    "about": "sigmoid_derivative",
    "kind": "derivation",
    "difficulty": 2,
    "question": "Derive σ'(x) in terms of σ(x).",
    "model_answer": "σ'(x) = σ(x)(1 − σ(x)), largest at x = 0 where it is 1/4.",
    "listen_for": ["1 − σ(x)", "maximum 1/4"],
}


def _lab01(**changes):
    data = {"lab": "lab01_neurons_losses", "topics": ["decision boundary"],
            "questions": [copy.deepcopy(GOOD_QUESTION),
                          {**copy.deepcopy(GOOD_QUESTION), "id": "lab01-boundary", "about": "decision boundary"}]}
    data.update(changes)
    return data


def _write(folder, data, name=None):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or data['lab']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _question_change(**changes):
    data = _lab01()
    data["questions"][0].update(changes)
    return data


def _error(tmp_path, data, **kwargs):
    folder = tmp_path / "bank"
    _write(folder, data)
    with pytest.raises(BankError) as info:
        load_bank(folder, **kwargs)
    return str(info.value)


def test_a_valid_temporary_bank_loads(tmp_path):
    # The control for the cases below: each of them changes one thing of this bank.
    _write(tmp_path / "bank", _lab01())
    got = load_bank(tmp_path / "bank")
    assert [q.id for q in got] == ["lab01-sigmoid-derivative", "lab01-boundary"]
    assert got[0].listen_for == ("1 − σ(x)", "maximum 1/4") and got[0].lab == "lab01_neurons_losses"


@pytest.mark.parametrize("field", ["id", "about", "kind", "difficulty", "question", "model_answer", "listen_for"])
def test_missing_field(tmp_path, field):
    data = _lab01()
    del data["questions"][0][field]
    message = _error(tmp_path, data)
    assert "missing field" in message and field in message and "lab01_neurons_losses.yaml" in message


def test_unknown_field_is_a_typo(tmp_path):
    message = _error(tmp_path, _question_change(listen_fr=["a", "b"]))
    assert "unknown field" in message and "lab01-sigmoid-derivative" in message


def test_unknown_kind(tmp_path):
    message = _error(tmp_path, _question_change(kind="essay"))
    assert "unknown kind 'essay'" in message and "lab01-sigmoid-derivative" in message


@pytest.mark.parametrize("difficulty", [0, 4, "2", 2.5, True, None])
def test_difficulty_out_of_range(tmp_path, difficulty):
    message = _error(tmp_path, _question_change(difficulty=difficulty))
    assert "difficulty" in message and "lab01-sigmoid-derivative" in message


def test_duplicate_id_in_one_file(tmp_path):
    data = _lab01()
    data["questions"][1]["id"] = data["questions"][0]["id"]
    message = _error(tmp_path, data)
    assert "duplicate id" in message and "lab01-sigmoid-derivative" in message


def test_duplicate_id_across_files(tmp_path):
    folder = tmp_path / "bank"
    _write(folder, _lab01())
    other = {"lab": "lab02_backprop", "topics": [],
             "questions": [{**GOOD_QUESTION, "id": "lab02-x", "about": "dense_forward"}]}
    _write(folder, other)
    assert len(load_bank(folder)) == 3
    other["questions"].append({**GOOD_QUESTION, "id": "lab02-x", "about": "dense_backward"})
    _write(folder, other)
    with pytest.raises(BankError, match="duplicate id.*lab02-x|lab02-x.*duplicate id"):
        load_bank(folder)


@pytest.mark.parametrize("bad_id", ["lab02-sigmoid", "sigmoid-derivative", "lab01_sigmoid", "lab01-Sigmoid", "lab01-"])
def test_id_without_the_lab_prefix(tmp_path, bad_id):
    message = _error(tmp_path, _question_change(id=bad_id))
    assert "'lab01-'" in message


def test_dangling_about(tmp_path):
    message = _error(tmp_path, _question_change(about="sigmoid_grad"))
    assert "about 'sigmoid_grad'" in message and "lab01-sigmoid-derivative" in message
    # a graded function of another lab is dangling too
    assert "about 'adam'" in _error(tmp_path, _question_change(about="adam"))


def test_topic_not_in_the_notebook(tmp_path):
    assert "decision boundary" in notebook_text("lab01_neurons_losses")
    data = _lab01(topics=["decision boundary", "support vector machine"])
    message = _error(tmp_path, data)
    assert "topic 'support vector machine'" in message and "lab01_neurons_losses.yaml" in message


def test_topic_match_ignores_case_and_line_breaks(tmp_path):
    # the notebook writes "a very heavy\nelephant" (a line break) and "Decision boundary" in lower case
    data = _lab01(topics=["A very heavy elephant", "Decision  Boundary"])
    data["questions"][1]["about"] = "A very heavy elephant"
    _write(tmp_path / "bank", data)
    assert [q.about for q in load_bank(tmp_path / "bank")] == ["sigmoid_derivative", "A very heavy elephant"]


def test_unknown_lab_without_notebook(tmp_path):
    data = {"lab": "lab99_nothing", "topics": [],
            "questions": [{**GOOD_QUESTION, "id": "lab99-x", "about": "sigmoid"}]}
    message = _error(tmp_path, data)
    assert "lab99_nothing" in message and "source notebook" in message


def test_lab_with_a_notebook_but_no_graded_functions(tmp_path):
    source = tmp_path / "source"
    (source / "lab99_nothing").mkdir(parents=True)
    (source / "lab99_nothing" / "lab99_nothing.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "markdown", "source": "# Lab 99", "metadata": {}}], "metadata": {},
         "nbformat": 4, "nbformat_minor": 5}))
    data = {"lab": "lab99_nothing", "topics": [],
            "questions": [{**GOOD_QUESTION, "id": "lab99-x", "about": "sigmoid"}]}
    message = _error(tmp_path, data, source_root=source)
    assert "lab99_nothing" in message and "hidden-case specs" in message


def test_file_name_must_match_lab(tmp_path):
    folder = tmp_path / "bank"
    _write(folder, _lab01(), name="lab01")
    with pytest.raises(BankError, match="must be named lab01_neurons_losses.yaml"):
        load_bank(folder)


@pytest.mark.parametrize("field, value", [
    ("question", "Derive $\\sigma'(x)$."),
    ("model_answer", ""),
    ("listen_for", ["only one point"]),
    ("listen_for", ["a", "b", "c", "d", "e"]),
    ("listen_for", "not a list"),
])
def test_bad_text_fields(tmp_path, field, value):
    message = _error(tmp_path, _question_change(**{field: value}))
    assert "lab01-sigmoid-derivative" in message


@pytest.mark.parametrize("data", [[], "just text", {"lab": "lab01_neurons_losses", "topics": []},
                                  {"lab": "Lab 1", "topics": [], "questions": [GOOD_QUESTION]}])
def test_malformed_files(tmp_path, data):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "lab01_neurons_losses.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(BankError, match="lab01_neurons_losses.yaml"):
        load_bank(folder)


def test_invalid_yaml_and_empty_folder(tmp_path):
    with pytest.raises(BankError, match="no question files"):
        load_bank(tmp_path)
    (tmp_path / "lab01_neurons_losses.yaml").write_text("lab: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError, match="not valid YAML"):
        load_bank(tmp_path)


# --- prepared_by: the one cell of the lab that prepares a question ----------------------------------

def test_prepared_by_names_one_cell_and_is_kept(tmp_path):
    # "the **decision boundary** is the line" is written once, in the markdown cell of experiment E1
    data = _question_change(prepared_by="so the **decision boundary** is the line")
    _write(tmp_path / "bank", data)
    first, second = load_bank(tmp_path / "bank")
    assert first.prepared_by == "so the **decision boundary** is the line" and second.prepared_by is None


def test_prepared_by_may_span_a_line_break_but_keeps_case(tmp_path):
    # the notebook breaks "a very heavy\nelephant" across two lines
    _write(tmp_path / "bank", _question_change(prepared_by="a very heavy elephant that is classified correctly"))
    assert load_bank(tmp_path / "bank")[0].prepared_by.startswith("a very heavy")
    message = _error(tmp_path, _question_change(prepared_by="A VERY HEAVY ELEPHANT that is classified correctly"))
    assert "prepared_by" in message and "no cell" in message


def test_prepared_by_in_no_cell_or_in_several(tmp_path):
    message = _error(tmp_path, _question_change(prepared_by="a phrase no notebook holds"))
    assert "prepared_by" in message and "no cell" in message and "lab01-sigmoid-derivative" in message
    # every hidden test cell of the lab says "run when your notebook is graded"
    message = _error(tmp_path, _question_change(prepared_by="run when your notebook is graded"))
    assert "exactly one cell" in message and "cells (" in message


@pytest.mark.parametrize("value", ["", "   ", 3, ["a"]])
def test_prepared_by_must_be_a_phrase(tmp_path, value):
    message = _error(tmp_path, _question_change(prepared_by=value))
    assert "prepared_by must be a non-empty phrase" in message and "lab01-sigmoid-derivative" in message
