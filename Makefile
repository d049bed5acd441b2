# Set-up happens on first use: `make serve` and `make test` each create .venv and
# install the project into it when pyproject.toml is newer than the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint schema bench-api clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)  ## run the server on the embedded store, with demo data when empty
	$(BIN)/visitplan serve --demo $(ARGS)

test: $(STAMP)  ## lint, type-check, check the committed schema, and run every test lane
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(STAMP)  ## regenerate schema.graphql after an API change
	$(BIN)/visitplan export-schema --out schema.graphql

bench-api: $(STAMP)  ## the API load benchmark (writes docs/benchmarks/api.md)
	nice -n 10 $(BIN)/python bench/api/run.py --data-dir bench/out/api-store $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
