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
REGISTER_ADMIN_EMAIL ?= admin@example.org
REGISTER_ADMIN_PASSWORD ?= local-development-admin-password
DEMO ?=

.PHONY: install run test lint bench openapi lock reset clean frontend screenshots

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Spectral lints the API description (node and npm are needed; the versions are locked).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(BIN)/.installed

# The pages' GOV.UK Frontend styles, fonts and icons are kept in app/web/static so the service
# (and its image) needs no node at run time; after changing its version in package.json, run
# this and commit what it copies.
GOVUK := node_modules/govuk-frontend/dist/govuk
frontend: node_modules/.installed
	cp $(GOVUK)/govuk-frontend.min.css app/web/static/assets/
	cp $(GOVUK)/assets/fonts/* app/web/static/assets/fonts/
	cp $(GOVUK)/assets/images/favicon.ico $(GOVUK)/assets/images/favicon.svg \
	  $(GOVUK)/assets/images/govuk-crest.svg app/web/static/assets/images/

run: install
	@DATABASE_URL='$(DATABASE_URL)' REGISTER_ADMIN_CLIENT_ID='$(REGISTER_ADMIN_CLIENT_ID)' \
	REGISTER_ADMIN_CLIENT_SECRET='$(REGISTER_ADMIN_CLIENT_SECRET)' \
	REGISTER_ADMIN_EMAIL='$(REGISTER_ADMIN_EMAIL)' REGISTER_ADMIN_PASSWORD='$(REGISTER_ADMIN_PASSWORD)' \
	$(BIN)/python -m app.serve --migrate --host $(HOST) --port $(PORT) $(if $(DEMO),--demo)

lint: install node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	node_modules/.bin/spectral lint openapi/openapi.json --ruleset .spectral.yaml --fail-severity=warn
	$(BIN)/hadolint Dockerfile

# The browser tests (tests/browser) need Chromium from the system (apt-get install chromium);
# without it they are skipped, and said to be.
test: lint
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  echo "NOTE: no Chromium found: the browser tests (tests/browser) will be SKIPPED." \
	  "Install it with: apt-get install chromium"
	$(BIN)/pytest

# The pages at 1280 and 375 px, taken by the browser tests into docs/screenshots (README).
screenshots: install node_modules/.installed
	REGISTER_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/browser -k photographed

openapi: install
	$(BIN)/python -m app.openapi_file > openapi/openapi.json

# The image installs exactly these versions and hashes; run after changing dependencies.
lock: install
	PIP_CONSTRAINT= PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= $(BIN)/pip-compile --quiet \
	  --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Drop the local database (keeping .venv), so `make run DEMO=1` loads the demo afresh.
reset:
	rm -f register.db register.db-shm register.db-wal

clean: reset
	rm -rf $(VENV) node_modules
