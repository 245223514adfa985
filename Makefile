# Two commands on a fresh machine: `make run` and `make test`.
# Each creates .venv and installs the project into it on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run console test lint i18n bench bench-quick mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# With no TELEGRAM_BOT_TOKEN (environment or .env) this opens a console chat with the bot.
run: $(STAMP)
	$(PY) run.py --console-if-no-token

console: $(STAMP)
	$(PY) run.py --console

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/hadolint Dockerfile

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	DATABASE_PATH=$(VENV)/check.sqlite3 $(PY) run.py check
	$(PY) -m pytest -q -n 3

# Translations of the health content (tips/locales): the template from tips/data, merged into
# each language's .po (a changed English turns its translation fuzzy, a removed key obsolete),
# then compiled to the .mo files the bot reads, which are committed. The same for the bot's
# own sentences and buttons (bot/locales/messages.pot, extracted from the _()/ngettext()/
# pgettext() calls in bot/). Run after editing tips/data, a text in bot/ or a .po; a test
# fails while a committed file is out of date.
i18n: $(STAMP)
	$(PY) -m tips.i18n_build all

# Mutation testing of the safety-critical modules (slow; not part of `make test`).
# It mutates every file in [tool.mutmut] only_mutate (pyproject.toml): shorten that list
# to mutate fewer modules; `mutmut browse` to review the survivors.
MUTANTS ?= 'bot.delivery.pacer.*' 'bot.core.timecalc.*' 'bot.delivery.scheduler.*' 'bot.delivery.sender.x_classify*' \
	'tips.selector.*' 'bot.runtime.logs.*'
mutate: $(STAMP)
	$(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(VENV)/bin/mutmut results

# The full benchmark (bench/README.md): under 15 minutes on 2 cores.
bench: $(STAMP)
	$(PY) -m bench.run_all

# A few minutes: smaller N, an hour of ticks at 1,000,000 scaled to a day.
bench-quick: $(STAMP)
	$(PY) -m bench.run_all --quick --out bench/results/quick.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants
