# Set-up happens on first use: `make serve` and `make test` each create .venv and
# install the project into it when pyproject.toml is newer than the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLIENTS := tests/clients/graphql-ws/node_modules/.installed \
	tests/clients/apollo/node_modules/.installed
# The browser lane drives Debian's Chromium; Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test lint schema bench-api clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Node clients of the tests (graphql-ws, Apollo Client); only the tests need
# them.
tests/clients/%/node_modules/.installed: tests/clients/%/package-lock.json
	cd tests/clients/$* && npm ci --silent
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

chromium: $(CHROMIUM)  ## install Debian's Chromium for the browser lane, if missing

serve: $(STAMP)  ## run the server on the embedded store, with demo data when empty
	$(BIN)/visitplan serve --demo $(ARGS)

test: $(STAMP) $(CLIENTS) $(CHROMIUM)  ## lint, type-check, check the committed schema, and run every test lane
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(STAMP)  ## regenerate schema.graphql and possibleTypes.json after an API change
	$(BIN)/visitplan export-schema --out schema.graphql
	$(BIN)/visitplan export-possible-types --out possibleTypes.json

bench-api: $(STAMP)  ## the API load benchmark (writes docs/benchmarks/api.md)
	nice -n 10 $(BIN)/python bench/api/run.py --data-dir bench/out/api-store $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
