# The two commands of a fresh machine: `make demo` and `make test` (each builds .venv when missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test release venv sandbox browser clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
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

## Debian's chromium for the page tests (tests/browser.py drives it with the pinned playwright; no
## browser download). Installed with apt when this is root on Debian/Ubuntu; those tests skip without it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "chromium could not be installed: the browser tests of the pages will skip"; \
	  else echo "chromium is not installed: sudo apt install chromium (the browser tests of the pages skip)"; fi; }

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
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf build .pytest_cache
