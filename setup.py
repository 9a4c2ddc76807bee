"""Packaging for dqengine.

Spark itself is not a hard requirement: Databricks and spark-submit provide pyspark, and
installing a second copy from PyPI would shadow the cluster's. The tested local combination is
pinned in the ``spark35`` extra (the primary platform) and ``spark41`` (declared, see README).
"""
from __future__ import annotations

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (HERE / "dqengine" / "_version.py").read_text(), re.M
).group(1)

SPARK35 = ["pyspark==3.5.7", "delta-spark==3.3.2"]
SPARK41 = ["pyspark==4.1.1", "delta-spark==4.4.1"]

setup(
    name="dqengine",
    version=VERSION,
    description="Batch data-quality engine for industrial ML: YAML suites, Deequ, Delta metrics, a training gate",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["dqengine", "dqengine.*"]),
    package_data={"dqengine": ["py.typed", "resources/*"]},
    install_requires=[
        # pydeequ supplies the Python wrappers of Deequ's analyzers; 1.7 is the first release
        # that supports Spark 3.5 and 4.1 side by side.
        "pydeequ==1.7.0",
        # Config models: extra="forbid", frozen models and error locations we map to file:line:col.
        "pydantic>=2.6,<3",
        "pyyaml>=6.0",
        # Regex checks before Spark starts: Python's re rejects Java syntax such as \\p{L}.
        "regex>=2024.1.1",
        # The gate on local paths reads dq_records with delta-rs (native code, no JVM): it answers
        # in well under a second instead of starting Spark (several seconds). 1.x reads into
        # arro3 arrays (QueryBuilder), so pyarrow is not needed; tested with 1.6.6.
        "deltalake>=1.6,<2",
        # `dqengine report` draws each constraint's trend as a PNG (Agg backend, no display).
        "matplotlib>=3.8",
    ],
    extras_require={
        "spark35": SPARK35,
        "spark41": SPARK41,
        "dev": SPARK35
        + [
            "pytest>=8",
            "chispa==0.12.0",  # DataFrame equality with readable diffs in tests
            "jsonschema>=4.20",  # validates example suites against conf/suite.schema.json
            "hypothesis>=6.100",  # random YAML documents fed to the loader
        ],
    },
    entry_points={
        "console_scripts": [
            "dqengine=dqengine.cli:main",
        ],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Database",
    ],
)
