# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else here is a step they depend on.

PYTHON ?= python3.11
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_TEST_PACKAGES := chromium postgresql default-jre-headless fonts-dejavu-core nginx-light redis-server

.PHONY: demo test test-sqlite test-postgres lint format lock messages bench fuzz debian-test-packages

# A virtual environment with the locked runtime dependencies; rebuilt only when the lock changes.
# Debian ships venv support separately (python3-venv); it is installed when missing.
$(BIN)/.installed-main: requirements/main.txt pyproject.toml
	$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) debian-test-packages DEBIAN_TEST_PACKAGES=python3-venv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/main.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed-main requirements/test.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	touch $@

# The demo offers bank transfer to an obviously fake account and cards through a processor of its
# own on loopback (tamizdat.stripe_peer, where no money moves), so a gift can go end to end.
demo: $(BIN)/.installed-main
	TAMIZDAT_BANK_IBAN="$${TAMIZDAT_BANK_IBAN:-XX00 DEMO 0000 0000 0000}" \
	TAMIZDAT_BANK_ACCOUNT_HOLDER="$${TAMIZDAT_BANK_ACCOUNT_HOLDER:-Demo Newsroom}" \
	TAMIZDAT_BASE_URL="$${TAMIZDAT_BASE_URL:-http://127.0.0.1:$(PORT)}" \
	$(BIN)/tamizdat demo --port $(PORT)

# Installs the Debian packages named in DEBIAN_TEST_PACKAGES that are missing.
debian-test-packages:
	@missing=""; for p in $(DEBIAN_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: $(BIN)/.installed-test debian-test-packages lint test-sqlite test-postgres

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite runs on one worker process per core (pytest-xdist), each with a database and a data
# directory of its own. Tests are handed out in the order they are collected, so on each worker
# the tests that commit still run after the rolled-back ones (see tests/conftest.py).
TEST_WORKERS ?= $(shell nproc)

test-sqlite: $(BIN)/.installed-test
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist load

# The property-based tests with many more generated inputs than `make test` tries (still seeded,
# so a failure found here comes back on every run); takes several minutes.
fuzz: $(BIN)/.installed-test
	TAMIZDAT_FUZZ_PROFILE=long $(BIN)/pytest --timeout=3600 tests/test_fuzz.py

# Runs the suite again against a throwaway PostgreSQL cluster on a loopback port. The browser
# tests and the scenarios of servers, buckets, static copies, floods and faults drive code whose
# database work the other tests cover, and the tests of markup, files, configuration and the
# test peers (marked engine_neutral) do not depend on the database, so they run on SQLite only
# (the cluster scenario, tests/test_cluster.py, starts a PostgreSQL of its own).
test-postgres: $(BIN)/.installed-test
	scripts/with-postgres $(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist load \
	  --ignore=tests/browser -m "not scenario and not engine_neutral"

format: $(BIN)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates the locks from pyproject.toml (needs network access to the package index).
lock: $(BIN)/.installed-test
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml -o requirements/main.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml --extra test -o requirements/test.txt

messages: $(BIN)/.installed-main
	cd src/tamizdat && ../../$(BIN)/django-admin makemessages --locale ru --ignore 'static/*' && ../../$(BIN)/django-admin compilemessages

bench: $(BIN)/.installed-test
	$(MAKE) debian-test-packages DEBIAN_TEST_PACKAGES="wrk nginx-light"
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/donations.py
