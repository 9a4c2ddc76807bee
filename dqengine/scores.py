"""Quality scores per dimension, from a run's constraint results. Pure Python.

* A constraint's score is its row fraction when its metric is the fraction of rows that hold
  (``ConstraintDef.row_fraction``: the row predicates, ``completeness``, ``is_complete``), else
  1.0 when it PASSED and 0.0 when it FAILED. ERROR and NOT_EVALUATED constraints have no score:
  they are left out, and counted (``left_out``).
* A dimension's score is the weighted mean of the scores of its constraints (``weight:``,
  default 1); NULL (None) when every constraint of it was left out.
* The overall score is the plain mean of the dimensions that have a score: each dimension counts
  once, however many constraints it has. NULL when none has a score.

A dimension appears when the suite has a constraint in it; the overall score always appears
(``dimension = 'overall'``). ``min_score`` is judged on these by
:func:`dqengine.certify.score_failures`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Iterator

from dqengine.results import ConstraintResult, ConstraintStatus, Dimension

__all__ = ["OVERALL", "Score", "ScoreCard", "constraint_score", "score_results"]

#: The ``dimension`` of the overall score in ``dq_scores`` and in ``min_score``.
OVERALL = "overall"


@dataclass(frozen=True)
class Score:
    """One row of ``dq_scores``: a dimension's score (or the overall one) in one run."""

    #: a ``Dimension`` value, or ``overall``
    dimension: str
    #: from 0 to 1; None when every constraint it would average was left out
    score: float | None
    #: constraints with a score (for ``overall``: of every dimension)
    constraints: int
    #: constraints left out: ERROR or NOT_EVALUATED
    left_out: int


@dataclass(frozen=True)
class ScoreCard:
    """The scores of one run: the dimensions present, in ``Dimension`` order, then the overall."""

    dimensions: tuple[Score, ...]
    overall: Score

    def __iter__(self) -> Iterator[Score]:
        yield from self.dimensions
        yield self.overall

    def as_mapping(self) -> dict[str, float | None]:
        """dimension (or ``overall``) -> score: what ``min_score`` is judged on."""
        return {s.dimension: s.score for s in self}


def constraint_score(result: ConstraintResult) -> float | None:
    """The constraint's score, or None when it is left out (ERROR, NOT_EVALUATED)."""
    if result.status not in (ConstraintStatus.PASSED, ConstraintStatus.FAILED):
        return None
    value = result.metric_value
    if result.row_fraction and value is not None and math.isfinite(value):
        return min(max(value, 0.0), 1.0)
    return 1.0 if result.status is ConstraintStatus.PASSED else 0.0


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = math.fsum(w for _, w in pairs)
    if not pairs or total <= 0:
        return None
    return math.fsum(s * w for s, w in pairs) / total


def score_results(results: Iterable[ConstraintResult]) -> ScoreCard:
    """Every dimension's score and the overall score of one run's constraint results."""
    scored: dict[Dimension, list[tuple[float, float]]] = {}
    left_out: dict[Dimension, int] = {}
    for r in results:
        dimension = Dimension(r.dimension)
        scored.setdefault(dimension, [])
        left_out.setdefault(dimension, 0)
        score = constraint_score(r)
        if score is None:
            left_out[dimension] += 1
        else:
            scored[dimension].append((score, r.weight))
    dimensions = tuple(Score(d.value, _weighted_mean(scored[d]), len(scored[d]), left_out[d])
                       for d in Dimension if d in scored)
    present = [s.score for s in dimensions if s.score is not None]
    overall = Score(OVERALL, math.fsum(present) / len(present) if present else None,
                    sum(s.constraints for s in dimensions), sum(s.left_out for s in dimensions))
    return ScoreCard(dimensions, overall)
