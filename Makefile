# Two commands matter: `make demo` and `make test`. Both need only Python 3 and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := cd testproject && ../$(PY) manage.py
# The PostgreSQL leg of `make test` runs when this server answers (or when it is required).
GUARDRAILS_TEST_POSTGRES ?= postgres://postgres@localhost:5432/postgres

.PHONY: help venv demo test test-sqlite test-postgres test-slow lint typecheck docs tox tox-all clean

help:
	@echo "make demo   guardrails run against testproject/, showing real findings"
	@echo "make test   the test suite on SQLite, then on PostgreSQL when one is reachable"
	@echo "make test-slow | lint | typecheck | docs | tox | tox-all | clean"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

demo: venv
	@$(MANAGE) migrate --verbosity 0 --skip-checks
	@$(MANAGE) seed_demo --verbosity 0 --skip-checks
	@echo "== 1. The query guard: four requests to a real runserver, and what it printed =="
	@$(MANAGE) demo_requests --skip-checks
	@echo
	@echo "== 2. The checks: manage.py guardrails check --deploy --format summary (production settings) =="
	@$(MANAGE) guardrails check --deploy --format summary --fail-level CRITICAL \
		--settings=testproject.settings.production
	@echo
	@echo "== 3. Read more =="
	@echo "  Every finding in full:  cd testproject && ../$(PY) manage.py guardrails check --deploy --settings=testproject.settings.production"
	@echo "  Each check ID:          docs/checks/index.md    The query guard: docs/query-guard.md"
	@echo "  In your project:        README.md (install, settings, the two lines to add)"

# Production settings read secrets from the environment only; the demo makes throwaway ones.
demo: export DJANGO_SECRET_KEY ?= $(shell $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))")
demo: export DJANGO_ALLOWED_HOSTS ?= localhost

test: venv
	$(MAKE) test-sqlite
	@if $(PY) -m tests.postgres_available "$(GUARDRAILS_TEST_POSTGRES)"; then \
		$(MAKE) test-postgres; \
	elif [ -n "$$GUARDRAILS_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required but not reachable at $(GUARDRAILS_TEST_POSTGRES)"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(GUARDRAILS_TEST_POSTGRES): PostgreSQL leg skipped."; \
	fi

test-sqlite: venv
	env -u DATABASE_URL $(VENV)/bin/pytest

test-postgres: venv
	DATABASE_URL="$(GUARDRAILS_TEST_POSTGRES)" $(VENV)/bin/pytest

# The hardening tests that take minutes (real servers under load, 100,000 requests): CI runs
# them after `make test`, on SQLite and on PostgreSQL.
test-slow: venv
	env -u DATABASE_URL $(VENV)/bin/pytest -m slow
	@if $(PY) -m tests.postgres_available "$(GUARDRAILS_TEST_POSTGRES)"; then \
		DATABASE_URL="$(GUARDRAILS_TEST_POSTGRES)" $(VENV)/bin/pytest -m slow; \
	elif [ -n "$$GUARDRAILS_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required but not reachable at $(GUARDRAILS_TEST_POSTGRES)"; exit 1; \
	fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: venv
	$(VENV)/bin/mypy django_guardrails tests testproject

docs: venv
	$(VENV)/bin/mkdocs build --strict --site-dir site

# pyenv's shims answer only for its selected version: put every installed CPython 3 on PATH.
PYENV_BINS := $(shell for d in $$(pyenv root 2>/dev/null)/versions/3.*/bin; do \
	[ -d "$$d" ] && printf '%s:' "$$d"; done)

# The oldest and newest supported Python x Django pairs; `make tox-all` runs the whole matrix.
tox: venv
	PATH="$(PYENV_BINS)$$PATH" $(VENV)/bin/tox run -e py310-django52,py313-django61

tox-all: venv
	PATH="$(PYENV_BINS)$$PATH" $(VENV)/bin/tox run

clean:
	rm -rf $(VENV) .tox site build *.egg-info testproject/db.sqlite3
