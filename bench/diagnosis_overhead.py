"""What misconception diagnosis adds to grading the demo's cohort, measured in one run.

    .venv/bin/python bench/diagnosis_overhead.py [LAB ...]      (default: the demo's labs, 1-4)

For every submission of ``make demo``'s cohort (:func:`autograder.workflows.demo.cohort_fills`: ada all
correct, ben the release, cam half done, dee the catalogue's sampled mutants, eve and fay as correct
code here: their loop and corrupt upload never reach the judge) and every graded function, in process:
the kernel's half (the student's function on the run's cases, :func:`build_report`), the worker's
judging (:func:`judge_report`), and the diagnosis of a failing function (:func:`diagnose`, one budget
per submission). Prints per lab the seconds of each and the ratio diagnosis / (kernel + judging).
That ratio is an upper bound of the overhead on ``dlcourse grade``, whose time is mostly kernel start
and notebook execution, not counted here; compare the diagnosis seconds with the demo's "graded in N s".
"""
from __future__ import annotations

import json
import sys
import time

from autograder.grading import catalogue
from autograder.grading.cases import specs_for_lab
from autograder.grading.diagnosis import Budget, diagnose
from autograder.grading.scoring import judge_report, run_cases_file
from autograder.kernel.harness import build_report
from autograder.kernel.runners import decode_cases
from autograder.workflows.demo import DEFAULT_LABS, cohort_fills

SEED = 20261207


def functions_of(lab: str, fills: dict[str, str]) -> dict:
    """The student's graded functions: their solution cells run in the lab's namespace, in order."""
    ns = catalogue.namespace(lab)
    names = [s.name for s in specs_for_lab(lab)]
    for name in names:
        ns.pop(name, None)
    for cell in fills.values():
        exec(compile(cell, f"<{lab} fill>", "exec"), ns)
    return {name: ns.get(name) for name in names}


def main(labs: list[str]) -> int:
    total = {"kernel": 0.0, "judge": 0.0, "diagnosis": 0.0}
    diagnosed = 0
    for lab in labs:
        per = {"kernel": 0.0, "judge": 0.0, "diagnosis": 0.0}
        for student, fills in cohort_fills(lab).items():
            if student == "ben" or not fills:
                fns = {}  # the release: every function a stub
            else:
                fns = functions_of(lab, {k: v for k, v in fills.items() if "while True" not in v})
            budget = Budget()
            for spec in specs_for_lab(lab):
                fn = fns.get(spec.name)
                if fn is None:
                    def fn(*args, **kwargs):
                        raise NotImplementedError
                uses = {name: fns.get(name) or getattr(__import__(f"solutions.{lab}", fromlist=[name]), name)
                        for name in spec.uses}
                cases = decode_cases(run_cases_file(lab, SEED), spec.qualname)
                t0 = time.perf_counter()
                payload = json.loads(json.dumps(build_report(fn, spec.qualname, cases, uses, runner=spec.runner)))
                t1 = time.perf_counter()
                outputs: list = []
                judge_report(spec.qualname, SEED, payload, "", outputs)
                t2 = time.perf_counter()
                found = diagnose(spec, outputs, budget)
                t3 = time.perf_counter()
                per["kernel"] += t1 - t0
                per["judge"] += t2 - t1
                per["diagnosis"] += t3 - t2
                diagnosed += len(found)
                for d in found:
                    print(f"  {lab} {student}: {d.entry}")
        ratio = per["diagnosis"] / (per["kernel"] + per["judge"])
        print(f"{lab}: kernel {per['kernel']:.2f} s, judging {per['judge']:.2f} s, diagnosis {per['diagnosis']:.2f} s "
              f"({ratio:.1%} of kernel + judging)")
        for k in total:
            total[k] += per[k]
    ratio = total["diagnosis"] / (total["kernel"] + total["judge"])
    print(f"all: kernel {total['kernel']:.2f} s, judging {total['judge']:.2f} s, diagnosis {total['diagnosis']:.2f} s "
          f"({ratio:.1%} of kernel + judging); {diagnosed} diagnoses")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_LABS))
