# Two commands: `make serve` (build and serve at http://127.0.0.1:8000) and `make test`
# (lint, unit tests under two OpenBLAS kernels, a clean strict build that executes every
# notebook, browser tests).
# Every target bootstraps .venv from requirements.lock first when it is missing or stale.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-requirements
HOST ?= 127.0.0.1
PORT ?= 8000
# Seconds allowed for one site build (nbclient enforces no cell timeout of its own).
BUILD_TIMEOUT ?= 600
CHROMIUM ?= /usr/bin/chromium
# Processes for the unit tests (pytest-xdist): one per CPU.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The second OpenBLAS kernel of the portability check (OPENBLAS_CORETYPE; Prescott is OpenBLAS's
# SSE3 kernel, which every x86-64 CPU runs, and Nehalem its SSE4.2 one, for a run whose default
# is already Prescott; ARMV8 is the generic kernel on 64-bit ARM).
KERNEL2 ?= $(if $(filter x86_64,$(shell uname -m)),$(if $(filter Prescott prescott,$(OPENBLAS_CORETYPE)),Nehalem,Prescott),ARMV8)
LINT_PATHS := $(wildcard src tests docs/notebooks docs/templates benchmarks scripts)

export NO_MKDOCS_2_WARNING := 1
export PYTHONUNBUFFERED := 1

.PHONY: help venv site serve test lint unit portability browser chromium lock clean

help:
	@echo "make serve     build the site and serve it at http://$(HOST):$(PORT) (live reload; notebooks"
	@echo "               run again only when their code or src/ changed)"
	@echo "make test      lint, unit tests (two kernels), clean strict build, browser tests (.ci/run)"
	@echo "make lint      ruff and mypy"
	@echo "make unit      the package's tests (pytest tests, without tests/site)"
	@echo "make portability  the same tests under a second OpenBLAS kernel (KERNEL2=$(KERNEL2)),"
	@echo "               as on another CPU"
	@echo "make site      clean strict build into site/ (every notebook executed, in parallel)"
	@echo "make browser   the site tests against site/ in headless Chromium"
	@echo "make chromium  install Debian's chromium for the browser tests (as root, when missing)"
	@echo "make venv      create or refresh .venv from requirements.lock"
	@echo "make lock      refresh requirements.lock from requirements.in (pip-compile)"
	@echo "make clean     remove site/ and .cache/"

# The virtualenv, rebuilt when requirements.lock or pyproject.toml changes.
$(STAMP): requirements.lock pyproject.toml
	@if [ ! -x $(BIN)/python ]; then echo "creating $(VENV)"; python3 -m venv $(VENV); fi
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q -e . --no-deps
	@touch $@

venv: $(STAMP)

# A clean build: every notebook executed afresh (scripts/notebook_exec.py runs them in parallel),
# no cache; MPLBACKEND unset (the kernels inherit it; Agg removes every inline figure).
site: $(STAMP)
	rm -rf site .cache
	env -u MPLBACKEND MKDOCS_JUPYTER_CACHE=false \
	  timeout $(BUILD_TIMEOUT) $(BIN)/mkdocs build --strict

# mkdocs serve builds into a temporary folder, serves it and rebuilds on changes under docs/,
# mkdocs.yml, src/ and scripts/. A notebook runs again only when its text or something it
# depends on (src/, the lock) changed: the cache in .cache/ is keyed on all of it.
serve: $(STAMP)
	env -u MPLBACKEND \
	  $(BIN)/mkdocs serve --strict -a $(HOST):$(PORT) --watch src --watch scripts

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy --strict src/partial_pooling
	$(BIN)/mypy scripts
	$(BIN)/lint-imports

# Unit tests: everything under tests/ except the site tests, on every core (pytest-xdist).
# Exit status 5 (no tests collected yet) is not a failure.
unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/site -q -n $(TEST_JOBS) \
	  || { s=$$?; [ $$s -eq 5 ] || exit $$s; }

# The unit tests under a second OpenBLAS kernel, chosen at run time with OPENBLAS_CORETYPE:
# results differ in their last bits from kernel to kernel as from CPU to CPU, and the tests must
# hold on any. conftest.py stops the run if OpenBLAS did not switch (PP_OTHER_KERNEL names the
# default kernels, read first). All but the command line's tests (tests/test_cli*.py: files,
# processes, signals and terminals, about two thirds of the time): every numeric module, the
# crosscheck and the figures run under both kernels; the command line's numbers are the fits'.
portability: $(STAMP)
	@other=$$($(BIN)/python -c 'import scipy.linalg; from threadpoolctl import threadpool_info as t; \
	  print(",".join(i["architecture"] for i in t() if i["internal_api"] == "openblas"))'); \
	echo "unit tests under OPENBLAS_CORETYPE=$(KERNEL2) (the default kernels: $$other)"; \
	OPENBLAS_CORETYPE=$(KERNEL2) PP_OTHER_KERNEL=$$other \
	  $(BIN)/python -m pytest tests --ignore=tests/site --ignore-glob='tests/test_cli*.py' \
	    -q -n $(TEST_JOBS)

# Browser and build tests against the site/ that `make site` just built.
browser: $(STAMP) chromium
	PP_SITE_DIR=site PP_CHROMIUM=$(CHROMIUM) timeout $(BUILD_TIMEOUT) \
	  $(BIN)/python -m pytest tests/site -q

test: $(STAMP) chromium
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory portability
	$(MAKE) --no-print-directory site
	$(MAKE) --no-print-directory browser

# Debian's Chromium for the browser tests (never `playwright install`: it downloads a browser).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "error: the browser tests need Debian's chromium at $(CHROMIUM)." >&2; \
	  echo "       install it with: sudo apt-get install chromium" >&2; \
	  echo "       (or point CHROMIUM=/path/to/chromium at another build)" >&2; \
	  exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	if ! apt-cache show chromium >/dev/null 2>&1; then \
	  apt-get -o DPkg::Lock::Timeout=300 update -q; \
	fi; \
	apt-get -o DPkg::Lock::Timeout=300 install -y -q chromium >/dev/null \
	  || { apt-get -o DPkg::Lock::Timeout=300 update -q && \
	       apt-get -o DPkg::Lock::Timeout=300 install -y -q chromium >/dev/null; }; \
	test -x "$(CHROMIUM)"

# Refresh the pinned lock from requirements.in. pip-tools lives in the venv only for this.
lock: $(STAMP)
	$(BIN)/python -m pip install --disable-pip-version-check -q pip-tools
	$(BIN)/pip-compile --strip-extras --no-header --output-file requirements.lock requirements.in

clean:
	rm -rf site .cache
