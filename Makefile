# The two commands of a fresh machine: `make demo` and `make test` (each builds .venv when missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test release venv sandbox browser clean

## torch 2.13.0 comes from PyPI unless TORCH_INDEX names another index: on Linux PyPI's wheel is the
## CUDA build (with several GB of nvidia-* wheels), right for a GPU machine; on a laptop or CI without
## a GPU, `make venv TORCH_INDEX=https://download.pytorch.org/whl/cpu` installs the CPU build (a few hundred MB).
TORCH_INDEX ?=

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the course's pinned packages into $(VENV) (requirements.txt, constraints.txt): $$(grep -c '==' constraints.txt) packages,"
	@echo "torch 2.13.0 from $(if $(TORCH_INDEX),$(TORCH_INDEX),PyPI (the CUDA build on Linux; TORCH_INDEX=https://download.pytorch.org/whl/cpu for the CPU build))."
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --progress-bar on torch==2.13.0 --index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

## The grading sandbox (Debian's bubblewrap). Installed with apt when this is root on Debian/Ubuntu;
## otherwise says how. Without it `dlcourse grade` still runs, unsandboxed, and says so.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }; \
	  else echo "bubblewrap is not installed: sudo apt install bubblewrap (grading then runs unsandboxed)"; fi; }

## Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; CI downloads no browser).
## Installed with apt when this is root on Debian/Ubuntu; otherwise says how, and those tests skip
## (under CI, CI=1, they fail instead).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests (apt-get install chromium)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "chromium could not be installed with apt: the browser tests will skip (CI: fail)"; \
	  else echo "no /usr/bin/chromium: sudo apt install chromium (the browser tests skip without it)"; fi; }

## Regenerate release/ from source/ with nbgrader, grade the bundled example cohort, print the table.
demo: $(STAMP) sandbox
	$(BIN)/dlcourse demo

## Regenerate release/ only.
release: $(STAMP)
	$(BIN)/dlcourse release

## The whole test suite (what CI runs).
test: $(STAMP) sandbox browser
	# One BLAS/torch thread per process: two xdist workers already use both cores, and
	# oversubscribed torch threads made small trainings 10-100x slower on 2 cores.
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=30

clean:
	rm -rf build .pytest_cache
