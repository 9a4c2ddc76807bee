"""Plan a suite's computation: which analyzers, once each, in which passes, by which provider.

Pure Python. Constraints that need the same metric share it (``is_complete: x`` and
``completeness: {column: x, ...}`` compute one Completeness), and ``Size`` is always there because
every run records its row count. Given the pinned schema, a constraint may plan differently by
column type: ``min`` of a TIMESTAMP computes Deequ's Minimum on a derived column of epoch seconds,
a ``quantile`` of a DOUBLE also counts its NaN values.

The analyzers are then split into passes, each answered by one provider (``Pass.provider``, also
recorded with every metric):

* ``metadata`` — metrics that may need no scan at all: Deequ's ColumnCount is the number of
  columns of the pinned schema; on a dataset without ``where``, when the row count and the Minimum
  and Maximum of numeric columns are all the fused scan would compute, they are asked of Delta,
  which answers them from the file statistics of the log when they are exact there (no deletion
  vectors, statistics on the column). What Delta would have to scan for joins the fused scan
  instead (``Pass.fallback``).
* ``deequ_scan`` — one Deequ analysis of every scan-shareable analyzer: one Spark aggregation that
  reads each needed column once. It also carries *helpers*: the row counts the grouping passes
  need (``Size`` where a key column is not null), which Deequ would otherwise count in a scan of
  its own for every grouping set. Sketches with imperative aggregates (quantiles always,
  HyperLogLog and DataType next to a wide scan) get a second Deequ scan: see ``ALWAYS_APART``.
* ``grouping`` — one pass per column set for Uniqueness, Distinctness, CountDistinct, Entropy
  (Deequ's frequency-based analyzers). Strategy ``frequencies``: Deequ's own analyzers over one
  groupBy of the set, with the helper's row count. Strategy ``window_count``: for a key the suite
  expects to be unique (``is_unique``, ``is_primary_key``, a uniqueness/distinctness of at least
  0.5) whose metrics are all Uniqueness/Distinctness/CountDistinct, one ``count(*) OVER (PARTITION
  BY key)`` aggregated in the same pass, which gives Deequ's exact values.
* ``windowed`` — one pass per (keys, time) pair for analyzers over ``WindowColumn`` values (lag and
  lead over each series): one shuffle and sort, then one Deequ analysis of those analyzers. A window
  never joins the scan the other analyzers share.
* ``reference`` — one pass per ``ReferenceLookup`` (a key looked up in another Delta table, at
  the version pinned when the run started): the rows with a key, left-joined to the reference's
  distinct keys, then one Deequ analysis of the Compliance analyzers over the found flag. A join
  never joins the fused scan. Its first pass per reference also answers ``ReferenceVersion``,
  the version read, recorded with the metrics.
* ``incremental`` is reserved for metrics merged from stored Deequ states.

Each choice was measured with ``bench/bench_plans.py`` (results under ``bench/results/``); the
trade-offs are stated where the choice is made below.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Collection, Mapping

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec, ReferenceLookup, WindowColumn, quote_identifier
from dqengine.checks.suite import Suite
from dqengine.identity import MetricScope, metric_key
from dqengine.results import MetricRecord

__all__ = ["Plan", "Pass", "plan_suite", "ROW_COUNT", "METADATA", "SCAN", "GROUPING", "WINDOWED",
           "REFERENCE", "REFERENCE_VERSION", "reference_version", "row_violations", "INCREMENTAL", "FUSED", "SKETCH", "FREQUENCIES", "WINDOW_COUNT", "GROUPING_SETS", "GROUPING_KINDS", "SKETCH_KINDS",
           "key_row_count", "key_bounds", "INTEGRAL_TYPES"]

ROW_COUNT = AnalyzerSpec("Size")

# Providers: who answers a pass.
METADATA = "metadata"
SCAN = "deequ_scan"
GROUPING = "grouping"
WINDOWED = "windowed"
REFERENCE = "reference"
INCREMENTAL = "incremental"

# Strategies of a pass.
FUSED = "fused"
SKETCH = "sketch"
FREQUENCIES = "frequencies"
WINDOW_COUNT = "window_count"
GROUPING_SETS = "grouping_sets"

#: Not a Deequ analyzer: the Delta version of a reference that a ``reference`` pass read.
REFERENCE_VERSION = "ReferenceVersion"

#: Deequ's frequency-based analyzers: they need the data grouped by their columns.
GROUPING_KINDS = frozenset({"Uniqueness", "Distinctness", "CountDistinct", "Entropy"})
#: The grouping metrics a window count answers exactly (Entropy's floating-point sum it does not).
WINDOW_COUNT_KINDS = frozenset({"Uniqueness", "Distinctness", "CountDistinct"})
#: Scan-shareable analyzers whose Spark aggregate is imperative (HyperLogLog, the quantile digest,
#: the DataType histogram): Spark generates no code for an aggregation holding one, so they would
#: slow down every other analyzer of the scan.
SKETCH_KINDS = frozenset({"ApproxQuantile", "ApproxCountDistinct", "DataType"})
#: Answered from the pinned schema: Deequ counts ``data.columns`` without reading a row.
METADATA_KINDS = frozenset({"ColumnCount"})
#: Asked of the Delta log first (an unfiltered dataset): Delta's metadata-only query answers
#: ``count(*)``, and ``min``/``max`` of these column types, from its file statistics.
LOG_KINDS = frozenset({"Size", "Minimum", "Maximum"})
LOG_TYPES = frozenset({"tinyint", "smallint", "int", "bigint", "float", "double"})
#: Key types Spark's bitmap functions count (``bitmap_bit_position`` takes a BIGINT).
INTEGRAL_TYPES = frozenset({"tinyint", "smallint", "int", "bigint"})

#: Where a sketch goes: its own Deequ pass, or the fused scan. Measured with bench_plans.py (2M
#: rows; ratios of "apart" to "in the scan"):
#:
#: * a quantile (``sketch_quantile``, the 12-rule scan): 0.76. Its aggregate needs Spark's
#:   object hash aggregation, slower than the hash aggregation of the rest: always apart.
#: * HyperLogLog (``sketch_hll``, the 12-rule scan of 6 analyzers): 0.96 and 1.39 in two runs,
#:   and no difference for the whole 12-rule suite without ``is_unique`` (``no_grouping``): a
#:   second read of its string column costs what code generation saves in a narrow scan. With the
#:   ~45 analyzers of ``mixed60``'s scan (``sketch_hll_wide``): 0.75.
#:
#: So HyperLogLog and the DataType histogram (the same kind of aggregate; not measured apart) leave
#: the fused scan only when it holds at least ``WIDE_SCAN`` other analyzers: a threshold between
#: the two measured widths, not a measured optimum. The trade-off is a second read of the sketched
#: columns for code generation in every other aggregate of the scan.
ALWAYS_APART = frozenset({"ApproxQuantile"})
WIDE_SCAN = 12


@dataclass(frozen=True)
class Pass:
    """One computation over the data: what it answers, what it reads, who answers it."""

    provider: str
    #: The suite's analyzers this pass answers (each in exactly one pass).
    analyzers: tuple[AnalyzerSpec, ...]
    #: Columns its analyzers name (derived and window columns by their own names). A ``satisfies``
    #: expression may read others: Spark finds those from the expression.
    columns: tuple[str, ...] = ()
    #: ``fused``/``sketch`` (deequ_scan), ``frequencies``/``window_count``/``grouping_sets`` (grouping).
    strategy: str = ""
    #: grouping: the column set (sorted, as Deequ groups)
    grouping: tuple[str, ...] = ()
    #: grouping_sets: every column set the pass counts (each sorted), in one aggregation
    grouping_sets: tuple[tuple[str, ...], ...] = ()
    #: windowed: (keys, time)
    window: tuple[tuple[str, ...], str] | None = None
    #: windowed: the columns computed over the window before the analyzers run
    window_columns: tuple[WindowColumn, ...] = ()
    #: reference: the lookup this pass joins
    reference: ReferenceLookup | None = None
    #: Computed for later passes and never recorded as the suite's metrics (see ``key_row_count``).
    helpers: tuple[AnalyzerSpec, ...] = ()
    #: metadata: analyzers of this pass its provider may leave unanswered (Delta would have to
    #: scan for them); those join the next fused scan.
    fallback: tuple[AnalyzerSpec, ...] = ()

    def joined(self, specs: Collection[AnalyzerSpec]) -> "Pass":
        """This pass with ``specs`` added to its analyzers (a metadata pass's fallback)."""
        analyzers = tuple(dict.fromkeys(self.analyzers + tuple(specs)))
        return replace(self, analyzers=analyzers, columns=_columns(analyzers + self.helpers))

    @property
    def specs(self) -> tuple[AnalyzerSpec, ...]:
        """Everything this pass computes: its analyzers, then its helpers."""
        return self.analyzers + self.helpers


def reference_version(identity: str) -> AnalyzerSpec:
    """The metric recording which version of a reference a run read (keyed by the reference)."""
    return AnalyzerSpec(REFERENCE_VERSION, (), (("reference", identity),))


def key_bounds(column: str) -> tuple[AnalyzerSpec, AnalyzerSpec]:
    """The Minimum and Maximum of an integral key expected unique: the grouping provider counts it
    with bitmaps when its values are dense (``GroupingProvider``), and these say whether they are."""
    return AnalyzerSpec("Minimum", (column,)), AnalyzerSpec("Maximum", (column,))


def key_row_count(columns: tuple[str, ...]) -> AnalyzerSpec:
    """Rows where at least one key column is not null: the row count Deequ divides a grouping
    metric by (``FrequencyBasedAnalyzer.computeFrequencies`` drops rows whose keys are all null)."""
    condition = " OR ".join(f"{quote_identifier(c)} IS NOT NULL" for c in columns)
    return AnalyzerSpec("Size", tuple(columns), (("where", condition),))


@dataclass(frozen=True)
class Plan:
    analyzers: tuple[AnalyzerSpec, ...]
    #: (column name, Spark SQL expression) to add before Deequ sees the data
    derived_columns: tuple[tuple[str, str], ...] = ()
    #: (derived or window column, the user's column it stands for): Deequ names a metric on a derived column
    #: after that column; the metrics tables must name the column the user wrote.
    instances: tuple[tuple[str, str], ...] = ()
    #: In the order they run: a grouping pass may use a row count the scan pass computed.
    passes: tuple[Pass, ...] = ()

    def instance(self, name: str) -> str:
        """The user's name for a Deequ metric instance (unchanged unless it is a derived column)."""
        return dict(self.instances).get(name, name)

    def metric_key(self, spec: AnalyzerSpec, name: str, scope: MetricScope) -> str:
        """``dqengine.identity.metric_key`` of one metric, derived and window columns read as what
        they compute (a window column: its expression over its own (keys, time) window), not by
        their generated names."""
        computed = dict(self.derived_columns)
        for p in self.passes:
            for c in p.window_columns:
                window = (f"(PARTITION BY {', '.join(map(quote_identifier, c.keys))} "
                          f"ORDER BY {quote_identifier(c.time)})")
                computed[c.name] = c.expression.replace("{window}", window)
        return metric_key(spec, name, scope, computed, dict(self.instances))

    def provider_of(self, spec: AnalyzerSpec) -> str:
        for p in self.passes:
            if spec in p.analyzers:
                return p.provider
        return ""

    def metric_records(self, outputs: Mapping[AnalyzerSpec, AnalyzerOutput],
                       scope: MetricScope | None = None) -> tuple[MetricRecord, ...]:
        """Every computed metric, in plan order, with derived-column instances mapped back, the
        provider that answered it and, given the run's ``scope``, its key."""
        mapping = dict(self.instances)
        records = []
        for spec in self.analyzers:
            provider = self.provider_of(spec)
            for record in outputs[spec].records:
                if record.instance in mapping:
                    record = replace(record, instance=mapping[record.instance])
                # A provider that answered stamps its name (a fallback moves a metric to the scan).
                record = replace(record, provider=record.provider or provider)
                if scope is not None:
                    record = replace(record, key=self.metric_key(spec, record.name, scope))
                records.append(record)
        return tuple(records)


def _columns(specs: Collection[AnalyzerSpec]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for s in specs for c in s.columns))


def plan_suite(suite: Suite, skip: Collection[tuple[str, int]] = (),
               schema: Mapping[str, str] | None = None) -> Plan:
    """``skip``: (check, index) of constraints not to compute (their columns are gone).

    ``schema``: column name -> Spark type (``PinnedDataset.schema``); None plans as if every
    column had the type the constraint computes on directly.
    """
    specs: dict[AnalyzerSpec, None] = {ROW_COUNT: None}
    derived: dict[str, str] = {}
    instances: dict[str, str] = {}
    windowed: dict[str, WindowColumn] = {}
    lookups: dict[str, ReferenceLookup] = {}
    unique_keys: set[tuple[str, ...]] = set()
    for constraint in suite.constraints:
        if (constraint.check, constraint.index) in skip:
            continue
        own = constraint.definition.derived_columns_for(constraint.params, schema)
        for name, expression in own.items():
            if derived.setdefault(name, expression) != expression:
                raise ValueError(f"derived column {name!r} defined twice with different expressions")
        own_windowed = constraint.definition.window_columns_for(constraint.params, schema)
        for column in own_windowed:
            if windowed.setdefault(column.name, column) != column:
                raise ValueError(f"window column {column.name!r} defined twice differently")
        for lookup in constraint.definition.reference_lookups(constraint.params):
            if lookups.setdefault(lookup.name, lookup) != lookup:
                raise ValueError(f"{lookup.reference.identity} is read at two versions in one suite")
        computed = set(own) | {c.name for c in own_windowed}
        unique_keys.update(tuple(sorted(k)) for k in constraint.definition.unique_keys(constraint.params))
        for spec in constraint.definition.analyzers_for(constraint.params, schema):
            specs.setdefault(spec, None)
            # A metric on a derived column that names an instance is recorded under that name.
            instance = spec.param("instance")
            if spec.columns and spec.columns[0] in computed and instance is not None:
                instances[spec.columns[0]] = instance
    for lookup in lookups.values():
        specs.setdefault(reference_version(lookup.reference.identity), None)
    clash = sorted(set(derived) & set(windowed))
    if clash:
        raise ValueError(f"column(s) {', '.join(clash)} defined both as derived and as window columns")
    analyzers = tuple(specs)
    from_log = frozenset()
    if schema is not None and suite.dataset.where is None:
        from_log = frozenset(s for s in analyzers if _log_answerable(s, schema, set(derived) | set(windowed)))
    integral = frozenset(c for c, t in (schema or {}).items() if t in INTEGRAL_TYPES) - set(derived)
    return Plan(analyzers, tuple(derived.items()), tuple(instances.items()),
                _passes(analyzers, windowed, unique_keys, from_log, lookups, integral))


#: Spark's ``grouping_id`` is a BIGINT: one bit per column of the sets it groups.
MAX_SET_COLUMNS = 60


def _window_counted(columns: tuple[str, ...], members: Collection[AnalyzerSpec],
                    unique_keys: Collection[tuple[str, ...]]) -> bool:
    return columns in unique_keys and all(s.kind in WINDOW_COUNT_KINDS for s in members)


def _set_chunks(counted: list[tuple[tuple[str, ...], list[AnalyzerSpec]]]
                ) -> list[list[tuple[tuple[str, ...], list[AnalyzerSpec]]]]:
    """The column sets in order, in chunks whose columns together fit one ``grouping_id``."""
    chunks: list[list[tuple[tuple[str, ...], list[AnalyzerSpec]]]] = []
    columns: set[str] = set()
    for item in counted:
        if not chunks or len(columns | set(item[0])) > MAX_SET_COLUMNS:
            chunks.append([])
            columns = set()
        chunks[-1].append(item)
        columns |= set(item[0])
    return chunks


def _log_answerable(spec: AnalyzerSpec, schema: Mapping[str, str], computed: Collection[str]) -> bool:
    """The row count, or the Minimum/Maximum of a numeric table column, of every row."""
    if spec.kind not in LOG_KINDS or spec.params:
        return False
    if spec.kind == "Size":
        return not spec.columns
    column = spec.columns[0]
    return column not in computed and schema.get(column) in LOG_TYPES


def _passes(analyzers: tuple[AnalyzerSpec, ...], windowed: Mapping[str, WindowColumn],
            unique_keys: Collection[tuple[str, ...]],
            from_log: Collection[AnalyzerSpec] = frozenset(),
            lookups: Mapping[str, ReferenceLookup] | None = None,
            integral: Collection[str] = frozenset()) -> tuple[Pass, ...]:
    lookups = lookups or {}
    references: dict[str, list[AnalyzerSpec]] = {name: [] for name in lookups}
    metadata: list[AnalyzerSpec] = []
    scan: list[AnalyzerSpec] = []
    sketches: list[AnalyzerSpec] = []
    grouping: dict[tuple[str, ...], list[AnalyzerSpec]] = {}
    windows: dict[tuple[tuple[str, ...], str], list[AnalyzerSpec]] = {}
    for spec in analyzers:
        joined = [c for c in spec.columns if c in lookups]
        if joined:
            if len(spec.columns) > 1 or spec.kind in GROUPING_KINDS:
                raise ValueError(f"{spec}: a reference flag is read alone, by a scan-shareable analyzer")
            references[joined[0]].append(spec)
            continue
        if spec.kind == REFERENCE_VERSION:
            continue  # answered by the first reference pass of its reference
        used = {windowed[c].window for c in spec.columns if c in windowed}
        if len(used) > 1:
            raise ValueError(f"{spec} reads columns of {len(used)} different windows; one window per analyzer")
        if used:
            if spec.kind in GROUPING_KINDS:
                raise ValueError(f"{spec}: a grouping analyzer over a window column is not supported")
            windows.setdefault(used.pop(), []).append(spec)
        elif spec.kind in METADATA_KINDS:
            metadata.append(spec)
        elif spec.kind in GROUPING_KINDS:
            grouping.setdefault(tuple(sorted(spec.columns)), []).append(spec)
        elif spec.kind in SKETCH_KINDS:
            sketches.append(spec)
        else:
            scan.append(spec)

    group_passes: list[Pass] = []
    helpers: list[AnalyzerSpec] = []
    bounds: list[AnalyzerSpec] = []  # only if a fused scan runs anyway: never a scan of their own
    # Column sets that need only counts (rows, keys, keys seen once) share one aggregation over
    # Spark's GROUPING SETS: one read and one job where each set's groupBy was a pass of its own
    # (suite A, 15 such sets on 1M rows: its metrics 5.87 s against 7.68 s). Not always: where most
    # sets hold nearly a key per row (``many_sets``: 2 of 5 sets, 2M rows) it measured 4.0 s against
    # 3.3 s, the expanded rows costing more than the jobs saved. A set alone keeps Deequ's
    # aggregation over its groupBy.
    stacked: dict[tuple[str, ...], Pass | None] = {}  # first set of a chunk -> its pass; others -> None
    countable = [(c, m) for c, m in grouping.items()
                 if not _window_counted(c, m, unique_keys) and all(s.kind in WINDOW_COUNT_KINDS for s in m)]
    for chunk in _set_chunks(countable):
        if len(chunk) > 1:
            members = [s for _, m in chunk for s in m]
            stacked.update({c: None for c, _ in chunk})
            stacked[chunk[0][0]] = Pass(GROUPING, tuple(members), _columns(members), GROUPING_SETS,
                                        grouping_sets=tuple(c for c, _ in chunk))
    for columns, members in grouping.items():
        # Window count: measured (bench_plans.py, ``unique_key_*``) to beat a groupBy on a key
        # with (nearly) one row per value, where the groupBy's partial aggregation only adds a
        # hash table as large as the data. On a low-cardinality column it shuffles every row
        # where a groupBy shuffles one per value and group (``low_card_*``), so it needs the
        # suite's word that the key is unique; a wrong word costs time, not correctness.
        # An integral key gets its bounds from the scan: when they show its values dense, the
        # provider counts it with Spark's bitmaps instead, no row shuffled (``unique_key``, 2M
        # rows: 0.40 s against 0.66 s for the window count, with distinctness 0.35 against 0.63).
        if columns in stacked:
            if stacked[columns] is not None:
                group_passes.append(stacked[columns])
        elif _window_counted(columns, members, unique_keys):
            group_passes.append(Pass(GROUPING, tuple(members), columns, WINDOW_COUNT, grouping=columns))
            if len(columns) == 1 and columns[0] in integral:  # the scan says whether it is dense
                bounds.extend(s for s in key_bounds(columns[0]) if s not in analyzers)
        else:
            helper = key_row_count(columns)
            helpers.append(helper)
            group_passes.append(Pass(GROUPING, tuple(members), columns, FREQUENCIES, grouping=columns))

    helpers = list(dict.fromkeys(helpers))
    # The Delta log only when it spares the whole fused scan: Delta parses the statistics of every
    # file for a min/max (measured 7-9 s warm, a count 2.3 s, on the 100K-row bench table, where
    # the fused scan of suite B's ~45 analyzers took less), so it pays only instead of a scan.
    logged = [s for s in scan if s in from_log]
    if logged and len(logged) == len(scan) and not helpers and not any(s.kind not in ALWAYS_APART for s in sketches):
        metadata += logged
        scan = []
    else:
        logged = []
        helpers = list(dict.fromkeys(helpers + bounds))
    if len(scan) + len(helpers) < WIDE_SCAN:
        scan += [s for s in sketches if s.kind not in ALWAYS_APART]
        sketches = [s for s in sketches if s.kind in ALWAYS_APART]
    passes: list[Pass] = []
    if metadata:
        passes.append(Pass(METADATA, tuple(metadata), fallback=tuple(logged)))
    passes.append(Pass(SCAN, tuple(scan), _columns(scan + helpers), FUSED, helpers=tuple(helpers)))
    if sketches:
        passes.append(Pass(SCAN, tuple(sketches), _columns(sketches), SKETCH))
    passes.extend(group_passes)
    for window, members in windows.items():
        # Every column of the window: the ones the analyzers name and those they are computed from
        # (earlier stages); a column no analyzer of the suite reads is not declared.
        columns = tuple(c for c in windowed.values() if c.window == window)
        read = tuple(dict.fromkeys(window[0] + (window[1],) + _columns(members)))
        passes.append(Pass(WINDOWED, tuple(members), read, window=window, window_columns=columns))
    versions = {s for s in analyzers if s.kind == REFERENCE_VERSION}
    for name, members in references.items():
        lookup = lookups[name]
        version = reference_version(lookup.reference.identity)
        extra = (version,) if version in versions else ()
        versions.discard(version)
        passes.append(Pass(REFERENCE, tuple(members) + extra, lookup.columns, reference=lookup))
    return tuple(passes)


def row_violations(suite: Suite, skip: Collection[tuple[str, int]] = (),
                   schema: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """(constraint id, Spark SQL expression TRUE for a row violating it) of every row-level
    constraint of the suite (``ConstraintDef.row_violation``), for the quarantine; ``skip`` as
    in ``plan_suite``. The expressions may read the flag columns of the constraints'
    ``reference_lookups``."""
    found = []
    for constraint in suite.constraints:
        if (constraint.check, constraint.index) in skip:
            continue
        expression = constraint.definition.row_violation(constraint.params, schema)
        if expression is not None:
            found.append((constraint.constraint_id, expression))
    return tuple(found)
