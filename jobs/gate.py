"""spark-submit entry point: `dqengine gate`, same arguments and exit codes.

    spark-submit [--packages ...] jobs/gate.py SUITE [options]

Kept thin on purpose: all behaviour lives in dqengine.cli, which the tests exercise.
"""
import sys

from dqengine.cli import main

if __name__ == "__main__":
    sys.exit(main(["gate", *sys.argv[1:]]))
