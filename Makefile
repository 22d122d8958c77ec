# Two commands a newcomer needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# Extra Django versions the suite must pass on, each in its own virtualenv. Django 6 needs
# Python >= 3.12: it runs when one is found, and says so when not.
DJANGO_MATRIX ?= 4.2 5.1 6.1
PY312 ?= $(firstword $(wildcard /usr/bin/python3.12 /usr/local/bin/python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12))
PORT ?= 8000

.PHONY: install browser nginx b2cli rclone run test lint typecheck pytest matrix package bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv

$(VENV)/.installed: $(BIN)/uv pyproject.toml
	$(UV) pip install -p $(BIN)/python -q -e ".[dev,sample]"
	touch $@

install: $(VENV)/.installed

# The sample needs the library and its own extras only, not the dev tools (mypy, ruff, playwright...).
$(VENV)/.sample-installed: $(BIN)/uv pyproject.toml
	$(UV) pip install -p $(BIN)/python -q -e ".[sample]"
	touch $@

run: $(VENV)/.sample-installed
	cd sample_app && ../$(BIN)/python manage.py migrate --noinput
	cd sample_app && ../$(BIN)/python manage.py demo_users
	cd sample_app && DJANGO_B2_SIMULATOR_SERVED=1 ../$(BIN)/python manage.py runserver $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy django_backblaze_b2 tests $(wildcard sample_app benchmarks)

# The end-to-end tests (tests/e2e) drive the system's Chromium: install it where we can (root on Debian).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "Chromium is not installed: the e2e tests will be skipped (and fail under CI=true)."

# The offload tests (tests/views/test_offload.py) start the system's nginx: install it where we can.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq nginx >/dev/null; } \
		|| echo "nginx is not installed: the offload tests will be skipped (and fail under CI=true)."

# The local B2 server's interop tests (tests/server/test_interop.py) drive real clients: the b2 CLI
# from PyPI in a virtualenv of its own (it pins its own b2sdk) and Debian's rclone (where root).
b2cli: $(BIN)/uv
	@test -x .venv-b2cli/bin/b2 || { $(UV) venv -q -p $(PYTHON) --allow-existing .venv-b2cli \
		&& $(UV) pip install -p .venv-b2cli/bin/python -q "b2>=5,<6"; }

rclone:
	@command -v rclone >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq rclone >/dev/null; } \
		|| echo "rclone is not installed: its interop tests will be skipped (and fail under CI=true)."

# The suite on the in-process simulated B2, then again with b2sdk's real HTTP path to a local B2 server
# (the end-to-end tests run the sample in processes of its own: once is enough).
pytest: install browser nginx b2cli rclone
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -q -p no:cacheprovider --b2-server --ignore=tests/server --ignore=tests/e2e

# The suite on every Django version in DJANGO_MATRIX (the main venv has the newest).
matrix: $(BIN)/uv b2cli rclone
	set -e; for dj in $(DJANGO_MATRIX); do \
		py=$(PYTHON); case $$dj in 6.*) py="$(PY312)";; esac; \
		if [ -z "$$py" ]; then echo "== Django $$dj skipped: no Python 3.12 found"; continue; fi; \
		$(UV) venv -q -p $$py --allow-existing .venv-django$$dj; \
		$(UV) pip install -p .venv-django$$dj/bin/python -q -e ".[dev,sample]" "django==$$dj.*"; \
		echo "== Django $$dj"; \
		.venv-django$$dj/bin/python -m pytest -q -p no:cacheprovider -m "not e2e"; \
	done

test: lint typecheck pytest matrix package

# The sdist and the wheel build, install into a clean virtualenv, and import.
package: $(BIN)/uv
	rm -rf dist .venv-package
	$(UV) build -q --out-dir dist .
	$(UV) venv -q -p $(PYTHON) .venv-package
	$(UV) pip install -p .venv-package/bin/python -q dist/*.whl
	cd dist && ../.venv-package/bin/python -c "import django_backblaze_b2, django_backblaze_b2.storage, django_backblaze_b2.testing; print('wheel ok', django_backblaze_b2.__version__)"
	$(UV) pip install -p .venv-package/bin/python -q --reinstall dist/*.tar.gz
	cd dist && ../.venv-package/bin/python -c "import django_backblaze_b2.storages; print('sdist ok')"

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-django* .venv-b2cli dist build .mypy_cache .pytest_cache .ruff_cache
