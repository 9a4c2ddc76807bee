"""spark-submit entry point: `dqengine run`, same arguments and exit codes.

    spark-submit [--packages ...] jobs/run_suite.py SUITE [options]

Kept thin on purpose: all behaviour lives in dqengine.cli, which the tests exercise.
"""
import sys

from dqengine.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
