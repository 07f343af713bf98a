# The two commands a new user needs: `make run` and `make test`. Both install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint messages bench migrate audit seed-demo \
	screenshots clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/python tools/deps.py dev > $(VENV)/requirements.txt
	$(BIN)/pip install -q -r $(VENV)/requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py run

migrate: $(STAMP)
	$(BIN)/python main.py migrate

audit: $(STAMP)
	$(BIN)/python main.py audit

seed-demo: $(STAMP)
	$(BIN)/python main.py seed-demo

# Lint first (so CI enforces it), then the whole suite on SQLite, then again on PostgreSQL
# (TEST_DATABASE=postgres); without a PostgreSQL server it says so in one line first.
test: lint
	@$(BIN)/python -m tests.pg_ready
	$(BIN)/python -m pytest -q -p no:cacheprovider
	TEST_DATABASE=postgres $(BIN)/python -m pytest -q -p no:cacheprovider -m "not sqlite_only"

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	TEST_DATABASE=postgres $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# The gettext catalogs (locales/) in step with the code's texts: new texts are added (English
# filled in, Russian left to translate: a test fails until it is), gone ones dropped, and each
# catalog compiled as a check. The service compiles the .po files itself when it starts.
messages: $(STAMP)
	$(BIN)/python tools/messages.py

# The booking page at each step, 390×844 and 1280×800, into docs/screenshots/ (the README
# shows them); drives Debian's Chromium (apt-get install -y chromium).
screenshots: $(STAMP)
	$(BIN)/python -m tests.web.screenshots

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
