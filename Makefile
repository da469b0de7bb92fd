# Two commands matter: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Two test processes (pytest-xdist) on the two cores CI has: the suite takes about half the time.
# `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-pass-2026
export DEMO_USER DEMO_PASSWORD

.PHONY: setup run test faults simulate lint format bench load messages makemessages clean screenshot tools

# The Nu HTML Checker for the browser tests (tests/a11y.py): 32 MB, so fetched with npm into
# .tools/ (git-ignored) instead of committed. --ignore-scripts: its install script would
# download a Java runtime; Java 17 comes from the system (apt openjdk-17-jre-headless).
VNU_VERSION := 26.9.27
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

setup: $(VENV)/.installed messages

$(VNU_JAR):
	npm install --prefix .tools --no-audit --no-fund --ignore-scripts --no-save vnu-jar@$(VNU_VERSION)

## make tools: fetch the test tooling that is not committed (vnu.jar; axe-core is in tests/tools/).
tools: $(VNU_JAR)

## make run: set up, migrate, load demo data, start web + Celery worker + beat.
run: export DEBUG ?= true
run: setup
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py demo_data --user $(DEMO_USER) --password $(DEMO_PASSWORD)
	scripts/run.sh

## make test: set up and run the whole suite (PostgreSQL and Redis when they answer).
test: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdef
test: setup tools
	eval "$$($(PY) scripts/services.py)"; \
	$(PY) -m pytest $(PYTEST_ARGS)

## make faults: the long fault-injection runs (PostgreSQL and Redis restarts, 1,000 messages
## with worker kills, SMTP faults at volume); prints the counts for docs/reliability.md.
## The long run of the communications simulation is its own target: `make simulate`.
faults: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdef
faults: setup
	eval "$$($(PY) scripts/services.py)"; \
	$(PY) -m pytest tests/faults -m faults -q $(FAULT_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Extract translatable strings into locale/ (German catalogue).
makemessages: export DEBUG ?= true
makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l de --no-obsolete --ignore=.venv --ignore=staticfiles \
		--ignore=benchmarks --ignore=tests --extension=html,txt,py

bench: export SECRET_KEY ?= bench-only-secret-key-not-for-production-0123456789abcdef
bench: setup
	eval "$$($(PY) scripts/services.py)"; \
	$(PY) benchmarks/run.py

## make load: gunicorn (2 workers) on the large data set under locust; starts and stops gunicorn.
load: setup
	eval "$$($(PY) scripts/services.py)"; \
	$(PY) benchmarks/bench_load.py && $(PY) benchmarks/run.py --collect

## Retake docs/screenshot.png from a running `make run` (demo data loaded).
screenshot: $(VENV)/.installed
	$(PY) scripts/screenshot.py http://127.0.0.1:8000 docs/screenshot.png /clients/
	$(PY) scripts/screenshot_import.py http://127.0.0.1:8000

clean:
	rm -rf .celery .cache staticfiles .pytest_cache db.sqlite3

## make simulate: the long run of "a month of real life" (communications/tests/test_simulation.py):
## SIMULATION_EXAMPLES runs of SIMULATION_STEPS random events each, invariants after every step.
SIMULATION_EXAMPLES ?= 150
SIMULATION_STEPS ?= 40
simulate: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdef
simulate: setup
	eval "$$($(PY) scripts/services.py)"; \
	SIMULATION_EXAMPLES=$(SIMULATION_EXAMPLES) SIMULATION_STEPS=$(SIMULATION_STEPS) \
	$(PY) -m pytest communications/tests/test_simulation.py -q -s -p no:randomly --durations=1
