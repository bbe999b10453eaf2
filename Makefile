# The two commands of the README: `make serve` (demo) and `make test` (the whole suite).
# Each creates .venv with the project installed the first time (and again when pyproject.toml
# changes), so nothing but Python 3.11+ and make is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint install schema clients

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The front-end clients the test suite runs (relay-compiler, relay-runtime, Apollo, graphql-ws),
# installed exactly as clients/package-lock.json pins them; skipped where npm is missing.
CLIENTS_STAMP := clients/node_modules/.package-lock.json
$(CLIENTS_STAMP): clients/package-lock.json
	@if command -v npm >/dev/null; then cd clients && npm ci --no-audit --no-fund; \
	else echo "npm not found: the JS client tests will be skipped"; fi

clients: $(CLIENTS_STAMP)

serve: $(STAMP)
	$(BIN)/ledger migrate
	$(BIN)/ledger load events
	$(BIN)/ledger serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

test: lint clients
	$(BIN)/pytest -n 2 --dist loadfile
