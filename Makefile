# jtai-sim: every target sets up what it needs on a fresh machine.
#   make demo   - set up, simulate Midshire for two years and write its report, then run a
#                 mock JTAI week on it and write the facilitator pack
#   make test   - set up, lint, type-check, then every test but the slow ones
#   make unit   - the same tests without lint and type checks
#   make test-slow - only the slow tests (long statistical checks, the rest of the
#                 hostile-input matrix); CI runs it after make test
#   make bench  - speed and memory benchmarks (pytest-benchmark)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
OUT ?= out
# test processes: one per core (pytest-xdist); each test file runs whole in one of them,
# so a file's module fixtures are built once
JOBS ?= auto
XDIST := -n $(JOBS) --dist loadfile

.PHONY: setup demo test test-slow lint typecheck unit browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/jtai-sim run scenarios/midshire.toml --years 2 --out $(OUT)/midshire --force
	$(VENV)/bin/jtai-sim mock-week scenarios/midshire.toml --notify 2025-06-03 --out $(OUT)/midshire-mock-week --force
	@echo "Run report:         $(OUT)/midshire/report.html"
	@echo "Board summary:      $(OUT)/midshire/summary.html (one A4 page; summary.md beside it)"
	@echo "Mock JTAI week pack: $(OUT)/midshire-mock-week/index.html"

browser:
	bash scripts/install-browser.sh

lint: setup
	$(VENV)/bin/ruff check jtai_sim runner tests benchmarks
	$(VENV)/bin/ruff format --check jtai_sim runner tests benchmarks

typecheck: setup
	$(VENV)/bin/mypy

unit: setup
	$(PY) -m pytest -q $(XDIST) -m "not benchmark and not slow"

test-slow: setup browser
	$(PY) -m pytest -q $(XDIST) -m "slow and not benchmark"

test: setup browser lint typecheck
	$(PY) -m pytest -q $(XDIST) -m "not benchmark and not slow"

bench: setup
	$(PY) -m pytest benchmarks -q -m benchmark --benchmark-enable --benchmark-columns=min,mean,stddev,rounds -p no:cacheprovider

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
