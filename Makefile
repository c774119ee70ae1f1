# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test e2e ci bench focus-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

## make run: install, migrate the SQLite database, start web + worker + Twilio sandbox
run: $(STAMP)
	@$(BIN)/python -m vantage.lib.devenv
	@$(BIN)/python manage.py migrate --noinput -v 0 && echo "Database ready (db.sqlite3)."
	@$(BIN)/python manage.py setup_schedules
	@$(BIN)/python manage.py bootstrap_admin
	@$(BIN)/python manage.py rundev

## make test: install with test extras, lint (ruff), then run the whole suite (browser tests: make e2e)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --dist loadfile

## make e2e: the real-browser tests (Debian's /usr/bin/chromium driven by Playwright)
e2e: $(STAMP)
	$(BIN)/pytest -m e2e -p no:xdist

## make focus-check: the FinOps Foundation's validator on the FOCUS 1.2 export of the sandbox (Python 3.12+)
focus-check: $(STAMP)
	.ci/focus-check

ci:
	.ci/run

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .venv-focus *.egg-info .pytest_cache
