# Two commands: `make run` (dashboard on the embedded data) and `make test` (every test).
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501
RISK_DB ?= data/risk.duckdb
export RISK_DB

.PHONY: run serve-team test lint setup setup-dev db prepare rebuild derive bench clean

# The address, upload limit and telemetry are given on the command line as well as in
# .streamlit/config.toml: Streamlit reads that file only from the directory it starts in.
# dashboard.serve is `streamlit run dashboard/app.py` that loads the modules before it listens and
# computes the default results in the background as soon as it runs (a just-started server's
# first visitor no longer pays for them).
SERVE := $(BIN)/python -m dashboard.serve --server.port $(PORT) --server.maxUploadSize 50 \
         --server.headless true --browser.gatherUsageStats false

# This machine only (127.0.0.1).
run: setup prepare
	@echo "Risk dashboard: http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	$(SERVE) --server.address 127.0.0.1

# Every interface, for a team: set RISK_ANALYST_KEY (or analyst_key in .streamlit/secrets.toml)
# so that importing and removing batches needs the key (see README, "Serving to a team").
serve-team: setup prepare
	@test -n "$$RISK_ANALYST_KEY" || test -f .streamlit/secrets.toml || \
		echo "warning: no RISK_ANALYST_KEY or .streamlit/secrets.toml: anyone who reaches the server can import and remove batches"
	@echo "Risk dashboard for the team: http://$$(hostname):$(PORT)  (Ctrl-C to stop)"
	$(SERVE) --server.address 0.0.0.0

# Every test, browser tests included: Chromium is installed first where it can be (see
# scripts/ensure_browser.sh, which says plainly when it cannot and the browser tests will skip).
test: setup-dev lint
	@bash scripts/ensure_browser.sh
	$(BIN)/python -m pytest -n 2 --dist loadgroup -rs

lint: setup-dev
	$(BIN)/ruff check .

setup: $(VENV)/.runtime

setup-dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt
	@command -v $(PY) >/dev/null 2>&1 || { echo "error: $(PY) not found (Python 3.11 is required)"; exit 2; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Build the database when it is missing (`make rebuild` forces it).
db: setup
	@test -f $(RISK_DB) || $(BIN)/python -m scoring build --db $(RISK_DB)

# The default view's results, computed once per database and code version and saved beside the
# database (dashboard/saved.py), so that a just-started server has them at once.
prepare: db
	@$(BIN)/python -m dashboard.serve --prepare

rebuild: setup
	$(BIN)/python -m scoring build --db $(RISK_DB)

# Regenerate the compact tables in data/derived from the original files in ../shared/data.
derive: setup
	$(BIN)/python -m scoring derive

bench: setup-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(RISK_DB) build .pytest_cache
