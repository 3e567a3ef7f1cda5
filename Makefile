# Two commands do everything on a fresh machine: `make run` and `make test`.
#
# Both install exactly what uv.lock says (every package, with hashes) into .venv, with uv pinned below; a lock that
# disagrees with pyproject.toml is an error, never a silent re-resolve. `make lock` refreshes the lock on purpose.
PYTHON ?= python3
VENV ?= .venv
UV_VERSION := $(shell sed -n "s/^uv==//p" tools/uv.in)
TOOLS := .tools
UV := $(TOOLS)/uv-$(UV_VERSION)/bin/uv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# uv: use the Python given above (never download one), install into $(VENV), and keep its cache out of the way.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_NO_PROGRESS := 1

.PHONY: run test lint bench lock upgrade check-python translations extract update-catalogs db chat clean

# One clear line instead of a failure deep inside the installer.
check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
		found=$$($(PYTHON) -c 'import platform; print("Python", platform.python_version())' 2>/dev/null || echo "not found"); \
		echo "This project needs Python 3.11 or newer, but '$(PYTHON)' is $$found: install Python 3.11-3.13 and run 'make $(or $(MAKECMDGOALS),run) PYTHON=python3.12' (or the path to it)." >&2; \
		exit 1; }

# uv itself, pinned (version and hashes in tools/uv-requirements.txt), in a directory of its own.
$(UV): tools/uv-requirements.txt | check-python
	rm -rf $(TOOLS)/uv-$(UV_VERSION)
	$(PYTHON) -m venv $(TOOLS)/uv-$(UV_VERSION)
	$(TOOLS)/uv-$(UV_VERSION)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--require-hashes -r tools/uv-requirements.txt
	@touch $(UV)

$(STAMP): pyproject.toml uv.lock $(UV) | check-python
	@$(UV) lock --check --quiet 2>/dev/null || { \
		echo "uv.lock does not match pyproject.toml. Run 'make lock' and commit uv.lock with pyproject.toml." >&2; \
		exit 1; }
	$(UV) sync --locked --python $(PYTHON) --quiet
	@touch $(STAMP)

translations: $(STAMP)
	$(PY) -m bot i18n compile

db: $(STAMP)
	$(PY) -m bot db upgrade

run: translations db
	$(PY) -m bot run --fallback-chat

chat: translations db
	$(PY) -m bot chat

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: translations lint
	$(PY) -m pytest -q

bench: translations
	$(PY) scripts/bench.py
	$(PY) scripts/bench_alerts.py
	$(PY) scripts/bench_queue.py

# Refresh uv.lock on purpose: after editing dependencies in pyproject.toml (`make lock` keeps every other version),
# or to take new releases of everything (`make upgrade`). Then run `make test` and commit uv.lock.
lock: $(UV)
	$(UV) lock --python $(PYTHON)
upgrade: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

# Extract messages from the code and data/ into translations/messages.pot, then merge into every catalog.
extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -c TRANSLATORS: --no-location --sort-by-file \
		--project "Jeonnam foreign residents bot" -o translations/messages.pot .
update-catalogs: extract
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(PY) -m bot i18n fill-source

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
