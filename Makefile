# The two commands of the README: `make serve` (demo) and `make test` (the whole suite).
# Each creates .venv the first time (and again when pyproject.toml or the lock changes) with
# exactly the versions of requirements.lock, every file checked against its hash, so a fresh
# clone runs what CI tested; nothing but Python 3.11+ and make is needed.
#
# After adding or changing a dependency in pyproject.toml: `make lock` (keeps every other pin;
# commit requirements.lock with pyproject.toml). `make lock-upgrade` moves every pin to the
# newest release allowed. `make serve PORT=8080 HOST=0.0.0.0` serves elsewhere. `make schema`
# rewrites the committed schema.graphql, openapi/openapi.json and events/schemas/.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
COMPILE = $(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock' --quiet

.PHONY: serve test lint install schema lock lock-upgrade lock-check clients

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
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
	$(BIN)/ledger serve --host $(HOST) --port $(PORT)

# After changing the GraphQL types, the REST API or an event type (the tests fail until then).
schema: $(STAMP)
	$(BIN)/ledger schema --output schema.graphql
	$(BIN)/ledger openapi
	$(BIN)/ledger event-schemas

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

test: lint clients
	$(BIN)/pytest -n 2 --dist loadfile

# uv comes from the venv (installed from the current lock first if need be).
lock: | $(STAMP)
	$(COMPILE) -o $(LOCK)

lock-upgrade: | $(STAMP)
	$(COMPILE) --upgrade -o $(LOCK)

# Fails when pyproject.toml changed without `make lock` (needs the package index).
lock-check: | $(STAMP)
	cp $(LOCK) $(VENV)/lock-check.txt
	$(COMPILE) -o $(VENV)/lock-check.txt
	diff -u $(LOCK) $(VENV)/lock-check.txt
