# Everything a fresh clone needs: `make demo` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .stamps
# Spark's Ivy resolves the Delta + Deequ jars into this ignored in-repo cache; reruns use it.
export DQENGINE_IVY_DIR := $(CURDIR)/.ivy2

.PHONY: setup demo test test-quick bench validate schema jars chromium clean
.DEFAULT_GOAL := demo

setup: $(STAMPS)/venv $(STAMPS)/jars

$(STAMPS)/venv: setup.py
	@mkdir -p $(STAMPS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

# Also writes .ivy2/dqengine-classes-spark-*.jsa, the JVM class archive every later local session
# starts from (README "Set-up"; about a minute, once).
$(STAMPS)/jars: $(STAMPS)/venv dqengine/platforms.py dqengine/spark/jars.py
	$(PY) -m dqengine.spark.jars
	@touch $@

jars: $(STAMPS)/jars

# Headless Chromium (Debian's chromium package) opens the HTML report in tests/test_report.py.
# Installed with apt-get when missing and we are root; otherwise that one test is skipped, saying why.
# The stamp is written only once chromium is there, so a later `make test` as root tries again.
$(STAMPS)/chromium:
	@mkdir -p $(STAMPS)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "chromium: /usr/bin/chromium is missing and we are not root: the report's browser test is skipped (sudo apt-get install chromium)"; \
	  elif ! command -v apt-get >/dev/null; then \
	    echo "chromium: /usr/bin/chromium is missing and there is no apt-get: the report's browser test is skipped"; \
	  else \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
	      || { DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } \
	      || echo "chromium: apt-get could not install it: the report's browser test is skipped"; \
	  fi; \
	fi
	@if [ -x /usr/bin/chromium ]; then touch $@; fi

chromium: $(STAMPS)/chromium

demo: setup
	$(PY) -m dqengine.demo

test: setup $(STAMPS)/chromium
	$(PY) -m pytest -q tests

# Leaves out the tests that start more JVMs or real dqengine processes (marked multiprocess).
test-quick: setup $(STAMPS)/chromium
	$(PY) -m pytest -q -m "not multiprocess" tests

# Timings, never part of the tests (README "Benchmark"): the suites of bench/suites/ on a generated
# table against the other contenders (GX lean on P from .venv-gx, when PyPI is reachable), B again
# on 100K rows (its 2 s target), the cost and plan of the time-series constraints (suite T), a run by
# phase, and start-up of real dqengine processes. Results
# under bench/results/. BENCH_ROWS=10000000 is the reference size of suite P.
BENCH_ROWS ?= 1000000
BENCH_RUNS ?= 5
BENCH_SUITES ?= P,A,B,C,D,T

# matplotlib draws the chart; it is installed with dqengine (the report command draws with it too).
bench: setup
	$(PY) bench/generate.py --rows $(BENCH_ROWS)
	@bash bench/gx/setup_gx.sh || echo "(GX lean is left out of suite P)"
	$(PY) bench/bench_suites.py --data bench_data/sensor_readings-$(BENCH_ROWS) --suites $(BENCH_SUITES) --runs $(BENCH_RUNS)
	$(PY) bench/bench_timeseries.py --data bench_data/sensor_readings-$(BENCH_ROWS) --runs 3
ifneq ($(BENCH_ROWS),100000)
	$(PY) bench/generate.py --rows 100000
	$(PY) bench/bench_suites.py --data bench_data/sensor_readings-100000 --suites B --runs $(BENCH_RUNS)
endif
	$(PY) bench/bench_run.py --rows 1000000
	$(PY) bench/bench_startup.py

validate: $(STAMPS)/venv
	$(VENV)/bin/dqengine validate conf/*.yml

schema: $(STAMPS)/venv
	$(VENV)/bin/dqengine schema > conf/suite.schema.json

clean:
	rm -rf $(VENV) .venv-gx $(STAMPS) .ivy2 demo_data bench_data dq_metrics spark-warehouse *.egg-info
