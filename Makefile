# Orbit — `make run` starts Orbit with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= $(ORBIT_TEST_POSTGRES_URL)

.PHONY: run install install-test test lint typecheck test-sqlite test-postgres test-browser chromium fonts bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install fonts
	$(BIN)/orbit demo
	@echo ""
	@echo "Orbit: http://$(HOST):$(PORT)/  — sign in as admin / orbit-demo (other sample users are listed above)"
	@echo ""
	$(BIN)/orbit serve --host $(HOST) --port $(PORT)

test: install-test fonts lint typecheck test-sqlite test-postgres test-browser

lint: install-test
	$(BIN)/ruff check src benchmarks tests conftest.py

typecheck: install-test
	$(BIN)/mypy src

test-sqlite: install-test
	@echo "== test suite on SQLite =="
	env -u ORBIT_DATABASE_URL $(BIN)/pytest -q -m "not browser"

test-postgres: install-test
	@echo "== test suite on PostgreSQL =="
	@url="$$($(BIN)/python tests/postgres_url.py)"; status=$$?; \
	if [ $$status -eq 3 ]; then echo "PostgreSQL: skipped (no server answers; set ORBIT_TEST_POSTGRES_URL)"; exit 0; fi; \
	if [ $$status -ne 0 ]; then exit $$status; fi; \
	ORBIT_DATABASE_URL="$$url" $(BIN)/pytest -q -m "not browser"

# Reports in PDF need fonts for Chinese and Arabic (Debian's Noto fonts).
fonts:
	@if [ -z "$$(fc-list :lang=zh family 2>/dev/null)" ] || [ -z "$$(fc-list :lang=ar family 2>/dev/null)" ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-core fonts-noto-cjk >/dev/null; \
	  else echo "Fonts for Chinese or Arabic are missing: install Debian's fonts-noto-core and fonts-noto-cjk"; fi; \
	fi

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-core fonts-noto-cjk >/dev/null; \
	  else echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"; fi; \
	fi

test-browser: install-test chromium
	@echo "== browser tests =="
	$(BIN)/pytest -q -m browser

bench: install-test
	$(BIN)/python benchmarks/stress_writes.py --database sqlite --seconds 20 --writers 8
	@url="$$($(BIN)/python tests/postgres_url.py)"; status=$$?; \
	if [ $$status -eq 0 ]; then $(BIN)/python benchmarks/stress_writes.py --database "$$url" --seconds 20 --writers 8; \
	else echo "PostgreSQL benchmark skipped: no server"; fi
	@# Results: the tree endpoint and the roll-ups on the generated large plan (SQLite, and PostgreSQL when one answers).
	@# Planning: the dashboard and the plan list on the generated large plan.
	@# Processes: the dependency graph in memory, then impact analysis on 10,000 processes and the BPMN import.
	@# Reports: the PDF and Excel results reports of the large plan with 200 photos.
	@# IATI: the large plan (20,160 activities) exported streaming, then imported.
	@$(BIN)/python benchmarks/results_tree.py; tree=$$?; \
	$(BIN)/python benchmarks/rollup_vs_sql.py; rollup=$$?; \
	$(BIN)/python benchmarks/planning_pages.py; planning=$$?; \
	$(BIN)/python benchmarks/process_graph.py; graph=$$?; \
	$(BIN)/python benchmarks/processes.py; processes=$$?; \
	$(BIN)/python benchmarks/reports.py; reports=$$?; \
	$(BIN)/python benchmarks/iati.py; iati=$$?; \
	exit $$(( tree || rollup || planning || graph || processes || reports || iati ))

messages: install
	cd src/orbit && ORBIT_DATA_DIR=$(CURDIR)/var ../../$(BIN)/orbit makemessages --all --ignore "tests/*" && ORBIT_DATA_DIR=$(CURDIR)/var ../../$(BIN)/orbit compilemessages

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
