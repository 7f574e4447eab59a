"""The student-facing self-review pages: every question, grouped, and none of the examiner's answers."""
import re

from pathlib import Path

import pytest

from autograder.grading.cases import specs_for_lab
from autograder.viva.bank import Question, load_bank
from autograder.viva.self_review import build_self_review, main, render_page

# Every lab with a question file (the bank test below checks each names a lab that exists).
LABS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "autograder" / "viva" / "questions").glob("*.yaml"))


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def pages(bank, tmp_path_factory):
    out = tmp_path_factory.mktemp("viva")
    return {lab: build_self_review(lab, out) for lab in LABS}


@pytest.mark.parametrize("lab", LABS)
def test_page_is_written_where_promised(pages, lab):
    path = pages[lab]
    assert path.name == f"viva-prep-{lab}.md" and path.is_file()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Viva preparation: Lab ")
    assert "viva" in text.split("\n## ")[0].lower() and "5 to 8" in text


@pytest.mark.parametrize("lab", LABS)
def test_page_contains_every_question_of_the_lab_with_kind_and_difficulty(bank, pages, lab):
    text = pages[lab].read_text(encoding="utf-8")
    own = [q for q in bank if q.lab == lab]
    for q in own:
        assert q.question in text, q.id
        assert re.search(rf"· {re.escape(q.kind)} · difficulty {q.difficulty} of 3 · `{q.id}`", text), q.id
    assert len(re.findall(r"^\*\*Q\d+\*\*", text, flags=re.M)) == len(own)
    others = [q for q in bank if q.lab != lab]
    assert not [q.id for q in others if q.question in text]


@pytest.mark.parametrize("lab", LABS)
def test_page_leaks_no_model_answer_and_no_listen_for_point(bank, pages, lab):
    text = pages[lab].read_text(encoding="utf-8").lower()
    own = [q for q in bank if q.lab == lab]  # another lab's listen-for point may be this lab's question text
    for q in own:
        assert q.model_answer.lower() not in text, q.id
        leaked = [p for p in q.listen_for if p.lower() in text]
        assert not leaked, f"{q.id}: {leaked}"
    # not even the first sentence of a model answer, of any lab
    for q in bank:
        assert q.model_answer.split(". ")[0].lower() not in text, q.id


@pytest.mark.parametrize("lab", LABS)
def test_questions_grouped_by_function_in_graded_order(bank, pages, lab):
    text = pages[lab].read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    functions = [h.strip("`") for h in headings if h.startswith("`")]
    assert functions == [s.name for s in specs_for_lab(lab)]
    topics = {q.about for q in bank if q.lab == lab} - set(functions)
    assert {h[len("Topic: "):] for h in headings if h.startswith("Topic: ")} == topics
    # every question sits under the heading of its own function or topic
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    for q in (q for q in bank if q.lab == lab):
        (section,) = [s for s in sections if q.question in s]
        assert section.split("\n", 1)[0] in (f"`{q.about}`", f"Topic: {q.about}"), q.id


def _q(**changes):
    base = dict(id="lab03-x", lab="lab03_optimizers", about="adam", kind="concept", difficulty=2,
                question="Why correct the bias?", model_answer="SECRET ANSWER.", listen_for=("HINT A", "HINT B"))
    base.update(changes)
    return Question(**base)


def test_render_page_from_a_small_bank():
    questions = [_q(about="bias correction", id="lab03-topic"), _q(), _q(about="sgd", id="lab03-sgd",
                                                                       question="Line one.\nLine two.")]
    text = render_page("lab03_optimizers", questions, "Lab 3 — Optimisers")
    assert "SECRET" not in text and "HINT" not in text
    # graded functions first, in the lab's order, then topics
    assert re.findall(r"^## (.+)$", text, flags=re.M) == ["`sgd`", "`adam`", "Topic: bias correction"]
    assert "Line one.\nLine two." in text and "This lab has 3 questions." in text


def test_build_self_review_with_a_given_bank(tmp_path):
    path = build_self_review("lab03_optimizers", tmp_path / "new" / "dir", bank=[_q()])
    assert path == tmp_path / "new" / "dir" / "viva-prep-lab03_optimizers.md"
    assert "Why correct the bias?" in path.read_text(encoding="utf-8")
    with pytest.raises(KeyError):
        build_self_review("lab04_regularization_init", tmp_path, bank=[_q()])


def test_main_writes_named_labs_or_all(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "one"), "lab02_backprop"]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["viva-prep-lab02_backprop.md"]
    assert main(["--out", str(tmp_path / "all")]) == 0
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [f"viva-prep-{lab}.md" for lab in LABS]
    assert "viva-prep-lab01_neurons_losses.md" in capsys.readouterr().out


def test_main_rejects_unknown_lab_and_missing_out(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--out", str(tmp_path), "lab99_nothing"])
    assert info.value.code == 2 and "lab99_nothing" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    with pytest.raises(SystemExit):
        main(["lab01_neurons_losses"])
