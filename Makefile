# Everything a fresh clone needs: `make demo` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .stamps
# Spark's Ivy resolves the Delta + Deequ jars into this ignored in-repo cache; reruns use it.
export DQENGINE_IVY_DIR := $(CURDIR)/.ivy2

.PHONY: setup demo test validate schema jars clean
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

validate: $(STAMPS)/venv
	$(VENV)/bin/dqengine validate conf/*.yml

schema: $(STAMPS)/venv
	$(VENV)/bin/dqengine schema > conf/suite.schema.json

clean:
	rm -rf $(VENV) $(STAMPS) .ivy2 demo_data dq_metrics spark-warehouse *.egg-info
