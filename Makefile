# Two commands do everything on a fresh machine with Python >= 3.11 and make:
#   make run   - virtualenv, install, embedded PostgreSQL + Kafka, the service and a demo school
#   make test  - virtualenv, install, lint (ruff), type-check (mypy), the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-kafka test-crash lint typecheck bench bench-smoke schemas clean browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version' 
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools' editable-install notice (a UserWarning, ~10 lines about folders named like
	@# the packages: that is our layout) would be a newcomer's first screen.
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m notifier dev

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install
	$(PY) -m mypy

# System Chromium for tests/browser (Debian's package); prints why it skips when it cannot.
browser:
	@bash scripts/install-browser.sh

test: lint typecheck browser
	$(PY) -m pytest -q

# The Kafka-facing tests again, on a real single-node Apache Kafka (KRaft) built from
# Maven Central jars. Skips with a message where no JDK/Maven is present.
test-kafka: install
	NOTIFIER_TEST_KAFKA=apache $(PY) -m pytest -q -m kafka

# The service as child processes, killed and starved mid-stream (tests/crash).
test-crash: install
	$(PY) -m pytest -q -m crash tests/crash

DIGESTS ?= 100000
ONBOARDING ?= 200000
# SMS of the past year in the tables for a second end-to-end run (0: not run; README, Benchmarks)
PREFILL ?= 0
bench: install
	$(PY) -m benchmarks --digests $(DIGESTS) --onboarding $(ONBOARDING) --prefill $(PREFILL)

# The same benchmarks at a small size (under 90 s): proves the path runs, measures nothing.
bench-smoke: install
	$(PY) -m benchmarks --smoke

schemas: install
	$(PY) -m schemas.export

clean:
	rm -rf $(VENV) .devdata .pytest_cache .mypy_cache .ruff_cache
