# Two commands a newcomer needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# Extra Django versions the suite must pass on, each in its own virtualenv.
DJANGO_MATRIX ?= 4.2 5.1
PORT ?= 8000

.PHONY: install run test lint typecheck pytest matrix bench build clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv

$(VENV)/.installed: $(BIN)/uv pyproject.toml
	$(UV) pip install -p $(BIN)/python -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	cd sample_app && ../$(BIN)/python manage.py migrate --noinput
	cd sample_app && ../$(BIN)/python manage.py demo_users
	cd sample_app && ../$(BIN)/python manage.py runserver $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy django_backblaze_b2 tests sample_app benchmarks

pytest: install
	$(BIN)/python -m pytest

# The suite on every Django version in DJANGO_MATRIX (the main venv has the newest).
matrix: $(BIN)/uv
	set -e; for dj in $(DJANGO_MATRIX); do \
		$(UV) venv -q -p $(PYTHON) --allow-existing .venv-django$$dj; \
		$(UV) pip install -p .venv-django$$dj/bin/python -q -e ".[dev]" "django==$$dj.*"; \
		echo "== Django $$dj"; \
		.venv-django$$dj/bin/python -m pytest -q -p no:cacheprovider; \
	done

test: lint typecheck pytest matrix

build: install
	rm -rf dist && $(UV) build -q --out-dir dist .

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-django* dist build .mypy_cache .pytest_cache .ruff_cache
