# The two commands of a fresh machine: `make demo` and `make test` (each builds .venv when missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test release venv clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

## Regenerate release/ from source/ with nbgrader, grade the bundled example cohort, print the table.
demo: $(STAMP)
	$(BIN)/dlcourse demo

## Regenerate release/ only.
release: $(STAMP)
	$(BIN)/dlcourse release

## The whole test suite (what CI runs).
test: $(STAMP)
	# One BLAS/torch thread per process: two xdist workers already use both cores, and
	# oversubscribed torch threads made small trainings 10-100x slower on 2 cores.
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf build .pytest_cache
