# The commands a newcomer types: `make run` and `make test`. Everything they need is installed
# here, so a fresh clone works with nothing done by hand.

VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Chromium and CJK fonts for the browser tests, PostgreSQL for the second test run, Dovecot's
# IMAP server for the mail reader's tests, nginx (openssl for its test certificate) and systemd (its
# unit checker) for the tests of the files in deploy/.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 postgresql dovecot-imapd nginx openssl systemd

.PHONY: run test security lint format system-deps translations extract-messages clean-test-db bench bench-soak bench-dashboard bench-import bench-mail bench-kb bench-capacity

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d crm/translations >/dev/null

## Serve on http://127.0.0.1:$(PORT) (and run the scheduler) with demo data loaded on the first
## start. `make run PORT=8080` (or PORT in the environment) picks another port.
PORT ?= 5000
run: $(BIN)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving http://127.0.0.1:$(PORT) with the scheduler beside it; Ctrl-C stops both."
	@# Ctrl-C is how one stops it, not a failure: the shell stops both servers, waits for them and
	@# exits 0, so make reports no error.
	@bash -c 'trap "kill \$$(jobs -p) 2>/dev/null; wait; exit 0" INT TERM; \
		trap "kill \$$(jobs -p) 2>/dev/null" EXIT; \
		$(FLASK) scheduler & \
		$(FLASK) run --host 127.0.0.1 --port $(PORT) & \
		wait'


system-deps:
	@if ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(SYSTEM_PACKAGES) with apt..."; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Lint, then the whole suite on SQLite and again on PostgreSQL (browser tests included). The
## two runs go side by side, one per core: the PostgreSQL run prints as it goes, the SQLite run's
## report follows it; `make test` fails if either run does.
test: system-deps $(BIN)/.dev-installed translations lint
	@url="$$(tests/postgres.sh start)" || exit 1; \
	log="$$(mktemp)"; sqlite=; \
	trap 'kill $$sqlite 2>/dev/null; rm -f "$$log"' EXIT INT TERM; \
	env -u CRM_TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider >"$$log" 2>&1 & sqlite=$$!; \
	echo "== Test run 2/2: PostgreSQL (run 1/2, SQLite, goes on beside it) =="; \
	CRM_TEST_DATABASE_URL="$$url" $(BIN)/pytest; postgres_status=$$?; \
	wait $$sqlite; sqlite_status=$$?; \
	echo "== Test run 1/2: SQLite =="; cat "$$log"; rm -f "$$log"; \
	echo "SQLite run exit $$sqlite_status, PostgreSQL run exit $$postgres_status"; \
	[ $$sqlite_status -eq 0 ] && [ $$postgres_status -eq 0 ]

## Security tools against the code and the app on loopback, thoroughly: bandit, pip-audit,
## sqlmap, schemathesis and the hypothesis form fuzzer, each printing its own summary line.
## `make test` runs the same tests with bounded settings.
security: system-deps $(BIN)/.dev-installed translations
	CRM_SECURITY_FULL=1 $(BIN)/pytest -p no:cacheprovider -q -s -rs tests/security

clean-test-db:
	tests/postgres.sh stop
	rm -rf .pgtest

## After changing user-visible strings: refresh the catalogs, then translate the new entries.
extract-messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o crm/translations/messages.pot .
	$(BIN)/pybabel update -i crm/translations/messages.pot -d crm/translations >/dev/null

# The dashboard on 100,000 customers and 1,000,000 interactions: seeds instance/bench.db once
# (several minutes), then prints timings. Never part of `make test`.
bench-dashboard: $(BIN)/.installed
	$(BIN)/python bench/dashboard.py

# A 100,000-row import worked as the scheduler works it (time, peak RSS), the pages' latency
# while a scheduler imports, then the memory bound at 1,000,000 rows. Figures only.
bench-import: $(BIN)/.dev-installed
	$(BIN)/python bench/import_speed.py --latency
	$(BIN)/python bench/import_speed.py --rows 1000000

# 500 generated e-mails (mixed charsets, threaded replies, attachments) taken in through
# parse + receive into a fresh SQLite database (messages/s, peak RSS), then mails with a 20 MB
# attachment each: the peak RSS should not grow with their number. Figures only.
bench-mail: $(BIN)/.dev-installed
	$(BIN)/python bench/mail_ingest.py --messages 500 --large 4

# Knowledge-base search on 10,000 articles (README, "Knowledge base"): p50/p95 per kind of
# query on SQLite; `make bench-kb KB_PG=postgresql://...` runs it on PostgreSQL too. Figures only.
bench-kb: $(BIN)/.dev-installed
	$(BIN)/python bench/kb_search.py
	@if [ -n "$(KB_PG)" ]; then $(BIN)/python bench/kb_search.py --postgres "$(KB_PG)"; fi

# The hot paths under load (README, "Performance"): seeds instance/bench.db and a PostgreSQL
# database crm_bench at full size once, then serves each under gunicorn and drives it with wrk.
bench: $(BIN)/.dev-installed system-deps
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	url=$$(tests/postgres.sh start) && $(BIN)/python bench/run.py --postgres "$${url%/*}/crm_bench"

# Reliability under load: 16 clients for two minutes mixing reads and writes on each database;
# fails on any error or any logged interaction missing afterwards.
bench-soak: $(BIN)/.dev-installed system-deps
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	url=$$(tests/postgres.sh start) && $(BIN)/python bench/run.py --soak 120 --postgres "$${url%/*}/crm_bench"

# Agents carried by this machine (README, "Capacity"): an open-loop load of N signed-in agents
# stepped up on each database until p95 passes 200 ms, under gunicorn as deploy/ configures it.
# About 10 minutes per database; `make bench-capacity CAPACITY_ARGS=--quick` is a smoke test.
bench-capacity: $(BIN)/.dev-installed system-deps
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	url=$$(tests/postgres.sh start) && \
		$(BIN)/python bench/capacity.py --postgres "$${url%/*}/crm_bench" $(CAPACITY_ARGS)
