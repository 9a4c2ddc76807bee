#!/usr/bin/env bash
# Creates .venv-gx beside .venv: great-expectations 1.24 and pyspark 3.5.7 for the GX lean contender
# of suite P (bench/gx/gx_lean.py). Outside the project's dependencies: nothing of dqengine needs it.
# Exit 0 when it is ready, 3 (with a message) when PyPI cannot be reached: the benchmark then skips GX.
set -uo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VENV=.venv-gx
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import great_expectations, pyspark" 2>/dev/null; then
  exit 0
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" || { echo "GX lean skipped: cannot create $VENV" >&2; exit 3; }
if ! "$VENV/bin/pip" install --quiet 'great-expectations==1.24.*' 'pyspark==3.5.7'; then
  echo "GX lean skipped: pip could not install great-expectations 1.24 and pyspark 3.5.7 into $VENV" >&2
  rm -rf "$VENV"
  exit 3
fi
"$VENV/bin/python" -c "import great_expectations as gx, pyspark; print('GX', gx.__version__, 'pyspark', pyspark.__version__)"
