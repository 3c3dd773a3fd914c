# The two commands of the README: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCALES := bot/i18n/locales
POT := bot/i18n/viche.pot
PYBABEL := $(BIN)/pybabel
KEYWORDS := -k _ -k n_:1,2

# Every install takes the exact versions of the committed lock (constraints.txt), pip and the build backend
# included, so that a new upstream release never changes a fresh clone. `make lock` moves the lock forward.
LOCK := constraints.txt
CONSTRAIN ?= -c $(LOCK)
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test check install install-test mo i18n i18n-check system-deps runtime-deps lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) $(CONSTRAIN) pip setuptools wheel

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) $(CONSTRAIN) pip setuptools wheel
	$(PIP) $(CONSTRAIN) --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) $(CONSTRAIN) pip setuptools wheel
	$(PIP) $(CONSTRAIN) --no-build-isolation -e '.[test,ptb]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed mo
install-test: $(VENV)/.installed-test mo

# Compiled catalogs are never committed and never stale: every install, run and test rebuilds them.
mo: | $(BIN)/python
	$(PYBABEL) compile -D viche -d $(LOCALES)

# Extract new strings from the code and merge them into every catalog (then translate the .po files).
i18n: $(VENV)/.installed
	$(PYBABEL) extract -F babel.cfg $(KEYWORDS) --no-location --sort-output -o $(POT) --project viche .
	$(PYBABEL) update -D viche -i $(POT) -d $(LOCALES) --no-fuzzy-matching --ignore-obsolete
	$(MAKE) mo

# Every catalog complete: no missing or fuzzy string, no broken {placeholder} (CI runs it through `make test`).
i18n-check: $(VENV)/.installed
	$(BIN)/viche i18n check

# PDFs (api/pdf.py, WeasyPrint) need Pango and a font with Cyrillic; `make run` installs them when missing.
RUNTIME_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
# Chromium from Debian for the browser tests (Playwright drives the system browser; nothing is downloaded),
# with an emoji font so that screenshots show what a phone shows.
SYSTEM_PACKAGES := $(RUNTIME_PACKAGES) chromium fonts-noto-color-emoji
AXE := tests/pages/axe
system-deps:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }
	@# axe-core for the results pages' accessibility check, exactly as locked (test-only, never served).
	@[ $(AXE)/node_modules/.package-lock.json -nt $(AXE)/package-lock.json ] || { \
	  command -v npm >/dev/null || { echo "npm is needed for the accessibility check (Node.js 18+)" >&2; exit 1; }; \
	  npm ci --prefix $(AXE) --no-audit --no-fund >/dev/null; }

runtime-deps:
	@dpkg -s $(RUNTIME_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(RUNTIME_PACKAGES) >/dev/null; }

run: install runtime-deps
	$(BIN)/viche db upgrade
	$(BIN)/viche demo --if-empty
	$(BIN)/viche run

test: install-test system-deps
	$(BIN)/viche i18n check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Lint, format and types (configured in pyproject.toml): what a reviewer would otherwise say by hand. CI runs it
# before the tests. All three run, so one look shows everything; `ruff check --fix .` and `ruff format .` repair
# most of what the first two report.
check: install-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

# Refresh the lock: a fresh venv with the newest releases pyproject.toml's ranges admit, the whole suite on
# them (`make test`), and only when it is green, their exact versions written to constraints.txt. Commit the
# lock with whatever the new releases required.
LATEST := .venv-latest
lock:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(MAKE) test VENV=$(LATEST) CONSTRAIN=
	{ echo "# The exact versions every install takes (make install, run, test; CI). Written by 'make lock' on"; \
	  echo "# $$(date -u +%F) with $$($(LATEST)/bin/python --version), after the whole suite passed on them."; \
	  $(LATEST)/bin/python -m pip freeze --all --exclude-editable --disable-pip-version-check | LC_ALL=C sort -f; \
	} > $(LOCK).new && mv $(LOCK).new $(LOCK)
	rm -rf $(LATEST)

clean:
	rm -rf $(VENV) $(LATEST) *.egg-info
