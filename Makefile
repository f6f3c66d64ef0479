# Two commands: `make run` starts the register on a local SQLite file; `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL ?= sqlite:///./register.db
# Development-only admin credentials; set your own (and REGISTER_JWT_SIGNING_KEY) anywhere real.
REGISTER_ADMIN_CLIENT_ID ?= admin
REGISTER_ADMIN_CLIENT_SECRET ?= local-development-admin-secret
DEMO ?=

.PHONY: install run test lint bench openapi clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	@DATABASE_URL='$(DATABASE_URL)' REGISTER_ADMIN_CLIENT_ID='$(REGISTER_ADMIN_CLIENT_ID)' \
	REGISTER_ADMIN_CLIENT_SECRET='$(REGISTER_ADMIN_CLIENT_SECRET)' \
	$(BIN)/python -m app.serve --migrate --host $(HOST) --port $(PORT) $(if $(DEMO),--demo)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

openapi: install
	$(BIN)/python -m app.openapi > openapi/openapi.json

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) register.db register.db-shm register.db-wal
