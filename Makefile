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

# Bytecode is kept even where the machine sets PYTHONDONTWRITEBYTECODE: each test process
# would otherwise compile again the modules it imports, and pytest rewrite the asserts of
# its plugins' packages (seconds of CPU per process).
unexport PYTHONDONTWRITEBYTECODE

# Test processes per pass (pytest-xdist): the tests mostly wait on sockets, processes and
# the database, so four overlap well on two cores. TEST_WORKERS=0 runs in one process.
# The few tests marked `serial` measure rates in real time: they run alone after the rest.
TEST_WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

# Lint first (so CI enforces it), then the whole suite on SQLite, then again on PostgreSQL
# (TEST_DATABASE=postgres); without a PostgreSQL server it says so in one line first.
test: lint
	@$(BIN)/python -m tests.pg_ready
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(PYTEST) -n $(TEST_WORKERS) -m "not serial"
	$(PYTEST) -m serial

test-postgres: $(STAMP)
	TEST_DATABASE=postgres $(PYTEST) -n $(TEST_WORKERS) -m "not sqlite_only and not serial"
	TEST_DATABASE=postgres $(PYTEST) -m "serial and not sqlite_only"

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
