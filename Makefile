# Two commands: `make run` (demo portal + worker + scheduler) and `make test` (the whole suite).
# Without DATABASE_URL both use the embedded PostgreSQL (var/pgdata); without REDIS_URL the demo
# uses the embedded Celery broker (var/celery).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
WITH_DB := $(PY) -m acquirer.embedded
PYTEST_ARGS ?=

.PHONY: run test install install-dev lint messages check-deploy clean bench

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

# `make run PORT=8080` serves on another port (or set ACQUIRER_PORT).
run: install
	$(if $(PORT),ACQUIRER_PORT=$(PORT)) $(WITH_DB) $(PY) -m acquirer.demo

test: install-dev
	$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	DATABASE_URL=postgres://unused/unused $(VENV)/bin/lint-imports

# Re-extract strings (needs GNU gettext) and compile them (pure Python, polib).
messages: install-dev
	DATABASE_URL=postgres://unused/unused $(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=staticfiles --no-obsolete
	$(PY) -m acquirer.i18n compile

check-deploy: install
	DJANGO_SETTINGS_MODULE=acquirer.settings.prod DJANGO_SECRET_KEY=$$($(PY) -c "import secrets;print(secrets.token_urlsafe(64))") \
	  ACQUIRER_EXPORT_SIGNING_KEY=$$($(PY) -c "import base64,secrets;print(base64.b64encode(secrets.token_bytes(32)).decode())") \
	  DATABASE_URL=$${DATABASE_URL:-postgres://unused/unused} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/celery var/celerybeat-schedule* staticfiles

bench: install-dev
	$(WITH_DB) sh -c 'cd bench && failed=""; for b in *.py; do case $$b in _*) continue;; esac; \
	  ../$(PY) $$b || failed="$$failed $$b"; done; \
	  if [ -n "$$failed" ]; then echo "benchmarks with a FAIL line:$$failed"; exit 1; fi'
