# The CRM's two commands: `make run` brings the whole system up, `make test` passes the tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := services/leads services/customers services/opportunities services/orders \
	services/service-desk services/compensation services/notifications gateway
PACKAGES := shared $(SERVICES)
STAMP := $(VENV)/.installed

.PHONY: help install run up test test-unit test-fast test-e2e test-console lint typecheck format bench docs \
	constraints clean console console-deps browser

help:
	@echo "make run    - the whole system in one process (SQLite, in-memory bus) on :8000"
	@echo "make up     - every service as its own process on PostgreSQL and RabbitMQ"
	@echo "make test   - lint and types, then unit, service, integration and end-to-end tests"
	@echo "make test-unit - the pure rules alone, in seconds"
	@echo "make bench  - throughput and latency figures beside a bare reference"
	@echo "make console - build the web console (Node.js 20+) that the gateway serves at /"

# One virtual environment for development; each package still declares its
# own dependencies and installs alone (see its Dockerfile).
$(STAMP): Makefile constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		--config-settings editable_mode=compat \
		-e 'shared[test]' $(foreach p,$(SERVICES),-e $(p)) ruff mypy==2.4.1 types-requests types-PyYAML
	@# The edge proxy the cluster and `make bench` use (tests/e2e/test_edge_proxy.py).
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		apt-get install -y --no-install-recommends nginx >/dev/null 2>&1 || \
		echo "nginx could not be installed with apt: the edge proxy tests and bench need it"
	touch $(STAMP)

install: $(STAMP)

# The web console (console/, Vite) needs Node.js 20 or newer. Without it the
# API still runs and the gateway's / says how to get the console; under CI
# it is an error, since the browser tests must run there.
NODE_OK = node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null
CONSOLE_STAMP := console/node_modules/.installed
CONSOLE_SOURCES := $(shell find console/src console/index.html console/vite.config.ts \
	console/package.json console/package-lock.json -type f 2>/dev/null)
NO_NODE_MESSAGE := The web console needs Node.js 20 or newer (https://nodejs.org/, or \
	apt-get install nodejs npm); the API runs without it. Then run: make console

console-deps:
	@if $(NODE_OK); then \
		if [ ! -f $(CONSOLE_STAMP) ] || [ console/package-lock.json -nt $(CONSOLE_STAMP) ]; then \
			(cd console && npm ci --no-audit --no-fund) && touch $(CONSOLE_STAMP); fi; \
	elif [ "$$CI" = "true" ]; then echo "$(NO_NODE_MESSAGE)" >&2; exit 1; \
	else echo "$(NO_NODE_MESSAGE)" >&2; fi

# Rebuilt only when console/dist is missing or older than its sources.
console: console-deps
	@if $(NODE_OK); then \
		if [ ! -f console/dist/index.html ] || \
			[ -n "$$(find $(CONSOLE_SOURCES) -newer console/dist/index.html 2>/dev/null | head -1)" ]; then \
			(cd console && npm run build); fi; fi

# Debian's Chromium for the browser tests (no browser download), with CJK
# fonts so Chinese pages and screenshots read; apt only where missing.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				chromium fonts-noto-cjk; \
		elif [ "$$CI" = "true" ]; then echo "the browser tests need /usr/bin/chromium" >&2; exit 1; \
		else echo "no /usr/bin/chromium: the browser tests will be skipped (apt-get install chromium)" >&2; fi; fi

run: install console
	$(BIN)/crm-run

up: install console
	$(BIN)/crm-up

# The end-to-end layer mostly waits on its processes, so it runs beside the
# others: on two cores the whole suite takes about as long as its longer half.
test: lint
	$(MAKE) --no-print-directory -j2 test-fast test-e2e

# Pure rules only: seconds, no servers.
test-unit: install
	$(BIN)/pytest -q shared/tests/unit $(wildcard services/*/tests/unit) tests/layout

test-fast: install test-console
	$(BIN)/pytest -q shared services gateway tests --ignore=tests/e2e

# The console's component tests (Vitest).
test-console: console-deps
	@if $(NODE_OK); then cd console && npm test; fi

# The browser tests (tests/e2e/test_console.py) need the built console and Chromium.
test-e2e: install console browser
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

# -P: the script's folder is not put first on the path, so bench/orders.py
# does not hide the orders package.
bench: install
	$(BIN)/python -P bench/run.py

constraints: install
	$(BIN)/pip freeze --exclude-editable | grep -v '^#' > constraints.txt.new
	(head -2 constraints.txt; cat constraints.txt.new) > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt && rm constraints.txt.new

clean:
	rm -rf var console/dist
