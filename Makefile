# The whole set-up on a fresh Debian machine with Python 3.11: `make run`, `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo lint format bench worker messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Python 3.11 with venv is needed: apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py ocop_demo --if-empty

# Serves on http://127.0.0.1:$(PORT) with the background worker beside it (imports, e-mail).
# QR codes and e-mail links point at the address served here, unless OCOP_PUBLIC_BASE_URL is already set.
run: export OCOP_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	@echo "OCOP: http://127.0.0.1:$(PORT)  (demo accounts: see README; public address $$OCOP_PUBLIC_BASE_URL)"
	$(PY) manage.py ocop_expire --schedule
	$(PY) manage.py db_worker --interval 1 --no-reload & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: migrate
	$(PY) manage.py db_worker

test: install
	$(PY) -m pytest -n 2 --dist loadgroup $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

messages: install
	cd ocop && ../$(PY) ../manage.py makemessages -l vi --no-obsolete && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) var
