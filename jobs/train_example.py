"""A stand-in training job: reads exactly the certified version and "trains" on it.

    VERSION=$(spark-submit ... jobs/gate.py SUITE | tail -n 1)
    spark-submit ... jobs/train_example.py SUITE --version "$VERSION" --out model.txt

It asks the gate itself as well (``read_certified_version``), so it cannot be pointed at an
uncertified version by mistake; without ``--version`` it takes the version the suite pins
(``dataset.version``), else the latest, which must be certified. A real training job should do
the same.
"""
import argparse
import sys

from dqengine.checks import load_suite
from dqengine.errors import DQEngineError
from dqengine.spark.gate import read_certified_version
from dqengine.spark.session import get_spark


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite")
    parser.add_argument("--version", type=int, help="default: the suite's dataset.version, else the latest (it must be certified)")
    parser.add_argument("--metrics")
    parser.add_argument("--out", required=True, help="where to write the 'model'")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        suite = load_suite(args.suite)
        spark = get_spark("train-example")
        version, df = read_certified_version(spark, suite, version=args.version, metrics=args.metrics)
        rows = df.count()
    except DQEngineError as exc:
        print(f"train: refused: {exc}", file=sys.stderr)
        return exc.exit_code
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(f"trained on {suite.dataset.path or suite.dataset.table} version {version}: {rows} rows\n")
    print(f"train: trained on version {version} ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
