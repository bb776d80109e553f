# The CRM's two commands: `make run` brings the whole system up, `make test` passes the tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := services/leads services/customers services/opportunities services/orders \
	services/service-desk services/compensation services/notifications gateway
PACKAGES := shared $(SERVICES)
STAMP := $(VENV)/.installed

.PHONY: help install run up test test-unit test-fast test-e2e lint typecheck format bench docs constraints clean

help:
	@echo "make run    - the whole system in one process (SQLite, in-memory bus) on :8000"
	@echo "make up     - every service as its own process on PostgreSQL and RabbitMQ"
	@echo "make test   - lint and types, then unit, service, integration and end-to-end tests"
	@echo "make test-unit - the pure rules alone, in seconds"
	@echo "make bench  - throughput and latency figures beside a bare reference"

# One virtual environment for development; each package still declares its
# own dependencies and installs alone (see its Dockerfile).
$(STAMP): Makefile constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		--config-settings editable_mode=compat \
		-e 'shared[test]' $(foreach p,$(SERVICES),-e $(p)) ruff mypy==2.4.1 types-requests types-PyYAML
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/crm-run

up: install
	$(BIN)/crm-up

# The end-to-end layer mostly waits on its processes, so it runs beside the
# others: on two cores the whole suite takes about as long as its longer half.
test: lint
	$(MAKE) --no-print-directory -j2 test-fast test-e2e

# Pure rules only: seconds, no servers.
test-unit: install
	$(BIN)/pytest -q shared/tests/unit $(wildcard services/*/tests/unit) tests/layout

test-fast: install
	$(BIN)/pytest -q shared services gateway tests --ignore=tests/e2e

test-e2e: install
	$(BIN)/pytest -q tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(foreach p,$(MYPY_PACKAGES),-p $(p))

MYPY_PACKAGES := crm_shared crm_gateway leads customers opportunities orders service_desk compensation notifications

typecheck: install
	$(BIN)/mypy $(foreach p,$(MYPY_PACKAGES),-p $(p))

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: install
	$(BIN)/python -c "from crm_shared.asyncapi import render; from crm_shared.service import discover; print(render(discover()), end='')" > docs/asyncapi.yaml

bench: install
	$(BIN)/python bench/run.py

constraints: install
	$(BIN)/pip freeze --exclude-editable | grep -v '^#' > constraints.txt.new
	(head -2 constraints.txt; cat constraints.txt.new) > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt && rm constraints.txt.new

clean:
	rm -rf var
