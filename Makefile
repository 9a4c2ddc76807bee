# Everything a fresh clone needs: `make demo` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .stamps
# Spark's Ivy resolves the Delta + Deequ jars into this ignored in-repo cache; reruns use it.
export DQENGINE_IVY_DIR := $(CURDIR)/.ivy2

.PHONY: setup demo test test-quick bench validate schema jars clean
.DEFAULT_GOAL := demo

setup: $(STAMPS)/venv $(STAMPS)/jars

$(STAMPS)/venv: setup.py
	@mkdir -p $(STAMPS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

$(STAMPS)/jars: $(STAMPS)/venv dqengine/platforms.py dqengine/spark/jars.py
	$(PY) -m dqengine.spark.jars
	@touch $@

jars: $(STAMPS)/jars

demo: setup
	$(PY) -m dqengine.demo

test: setup
	$(PY) -m pytest -q tests

# Leaves out the tests that start more JVMs or real dqengine processes (marked multiprocess).
test-quick: setup
	$(PY) -m pytest -q -m "not multiprocess" tests

# Timings, never part of the tests: start-up of real dqengine processes, a run by phase.
bench: setup
	$(PY) bench/bench_startup.py
	$(PY) bench/bench_run.py --rows 1000000

validate: $(STAMPS)/venv
	$(VENV)/bin/dqengine validate conf/*.yml

schema: $(STAMPS)/venv
	$(VENV)/bin/dqengine schema > conf/suite.schema.json

clean:
	rm -rf $(VENV) $(STAMPS) .ivy2 demo_data dq_metrics spark-warehouse *.egg-info
