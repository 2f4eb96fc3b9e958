# Two entry points, both self-installing: `make demo` and `make test`.
SHELL := /bin/bash
# Prefer the system interpreter: the grader's sandbox user must be able to run it
# (a pyenv build under /root is not reachable by an unprivileged user).
PYTHON ?= $(shell for p in /usr/bin/python3.12 /usr/bin/python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install data build clean-venv

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: need Python >= 3.11 with venv and ensurepip" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# quick: one submission per homework, one nbgrader round trip, one Gradescope run (a few minutes);
# FULL=1: every sample submission through every front end (autograder/demo.py)
demo: $(STAMP)
	$(BIN)/python -m autograder.demo $(if $(FULL),--full) $(DEMO_ARGS)

# Two phases (tests/run.sh): most files side by side on $(TEST_JOBS) workers, then the
# files that train under a wall-clock budget alone. TEST_JOBS=1: no workers.
test: $(STAMP)
	PYTHON=$(BIN)/python TEST_JOBS=$(TEST_JOBS) bash tests/run.sh $(PYTEST_ARGS)

build: $(STAMP)
	$(BIN)/course build

clean-venv:
	rm -rf $(VENV)
