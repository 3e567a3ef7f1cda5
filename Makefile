# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench translations extract update-catalogs db chat clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

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

# Extract messages from the code and data/ into translations/messages.pot, then merge into every catalog.
extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -c TRANSLATORS: --no-location --sort-by-file \
		--project "Jeonnam foreign residents bot" -o translations/messages.pot .
update-catalogs: extract
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(PY) -m bot i18n fill-source

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
