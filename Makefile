# frivillig — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := run
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

# Interpreters: pyenv's if there is one, otherwise whatever is on PATH.
PYTHON311 ?= $(shell p=$$(pyenv prefix 3.11 2>/dev/null) && echo $$p/bin/python3 || command -v python3.11 || command -v python3)
PYTHON310 ?= $(shell p=$$(pyenv prefix 3.10 2>/dev/null) && echo $$p/bin/python3 || command -v python3.10)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
BOT_PY := .venv/bin/python
RASA_PY := .venv-rasa/bin/python
PYTEST_ARGS ?=

.PHONY: setup run chat test test-fast lint nlu-train nlu-serve nlu-eval bench clean chromium

# --- environments (idempotent: each is rebuilt only when its lock file changed) ----------------
$(UV):
	$(PYTHON311) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON311)
	touch $@

.venv-rasa/.synced: $(UV) nlu/requirements.lock
	test -x .venv-rasa/bin/python || $(UV) venv --quiet --python $(PYTHON310) .venv-rasa
	$(UV) pip sync --quiet --python .venv-rasa/bin/python nlu/requirements.lock
	touch $@

setup: .venv/.synced .venv-rasa/.synced ## both environments

# --- the main job --------------------------------------------------------------------------------
run: setup nlu-train ## the bot on Telegram (with TELEGRAM_BOT_TOKEN) or the terminal chat, NLU beside it
	.venv/bin/frivillig run --start-nlu

chat: setup nlu-train ## the terminal chat, NLU beside it
	.venv/bin/frivillig chat --start-nlu

# --- NLU -----------------------------------------------------------------------------------------
nlu-train: .venv-rasa/.synced ## train the Rasa model if its data changed
	$(RASA_PY) nlu/scripts/train.py

nlu-serve: nlu-train ## serve the model on 127.0.0.1:5005
	.venv-rasa/bin/rasa run --enable-api --model nlu/models/frivillig-nlu.tar.gz \
		--interface 127.0.0.1 --port 5005

nlu-eval: nlu-train ## held-out accuracy and entity F1; fails under the gate
	$(RASA_PY) nlu/scripts/evaluate.py --check

# --- quality -------------------------------------------------------------------------------------
lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/hadolint deploy/Dockerfile.bot deploy/Dockerfile.nlu

test-fast: .venv/.synced ## the inner loop: everything but the real Rasa server, the slow demo journey and the system test
	.venv/bin/pytest -m "not rasa and not slow and not system" -q $(PYTEST_ARGS)

chromium: ## Debian's chromium for the browser tests (installed when missing and possible)
	sh tests/ensure-chromium.sh

test: setup nlu-train lint nlu-eval chromium ## what CI runs: lint, types, NLU gate, all tests (SQLite + PostgreSQL if set)
	.venv/bin/pytest $(PYTEST_ARGS)

bench: setup nlu-train ## benchmarks: one name=value line per figure
	.venv/bin/python bench/run.py

clean:
	rm -rf .venv .venv-rasa .tools nlu/models var
