"""The formulas of a snapshot row, written once and read two ways.

Each formula (value, Wilson interval, low-sample flag, status) is a plain Python function over
numbers. Called with floats it computes a figure (the Python path, the selectors); called with
`Sql` expressions it returns the SQL text of the same formula (the PostgreSQL path in
`kpis.compute_sql`). So the two paths cannot drift apart: there is one definition to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Sql:
    """A SQL expression that composes with + − × ÷ and comparisons like a number."""

    text: str

    @staticmethod
    def of(value: Any) -> Sql:
        if isinstance(value, Sql):
            return value
        if isinstance(value, bool):
            return Sql("true" if value else "false")
        if isinstance(value, int | float):
            return Sql(repr(float(value)) if isinstance(value, float) else str(value))
        if value is None:
            return Sql("NULL")
        if isinstance(value, str):
            return Sql("'" + value.replace("'", "''") + "'")
        raise TypeError(f"cannot write {value!r} as SQL")

    def _op(self, op: str, other: Any, reverse: bool = False) -> Sql:
        left, right = (Sql.of(other), self) if reverse else (self, Sql.of(other))
        return Sql(f"({left.text} {op} {right.text})")

    def __add__(self, other):
        return self._op("+", other)

    def __radd__(self, other):
        return self._op("+", other, reverse=True)

    def __sub__(self, other):
        return self._op("-", other)

    def __rsub__(self, other):
        return self._op("-", other, reverse=True)

    def __mul__(self, other):
        return self._op("*", other)

    def __rmul__(self, other):
        return self._op("*", other, reverse=True)

    def __truediv__(self, other):
        return self._op("/", other)

    def __rtruediv__(self, other):
        return self._op("/", other, reverse=True)

    def __ge__(self, other):
        return self._op(">=", other)

    def __le__(self, other):
        return self._op("<=", other)

    def __lt__(self, other):
        return self._op("<", other)


@dataclass(frozen=True)
class Ops:
    """The few operations a formula needs beyond arithmetic, for numbers or for SQL."""

    sqrt: Any
    greatest: Any
    least: Any
    # when(condition, then, otherwise)
    when: Any
    not_null: Any
    # and_then(condition, thunk): the thunk is evaluated only where the condition holds (Python)
    and_then: Any


PYTHON = Ops(
    sqrt=math.sqrt,
    greatest=max,
    least=min,
    when=lambda condition, then, otherwise: then if condition else otherwise,
    not_null=lambda value: value is not None,
    and_then=lambda condition, thunk: bool(condition) and bool(thunk()),
)
SQL = Ops(
    sqrt=lambda e: Sql(f"sqrt({Sql.of(e).text})"),
    greatest=lambda a, b: Sql(f"GREATEST({Sql.of(a).text}, {Sql.of(b).text})"),
    least=lambda a, b: Sql(f"LEAST({Sql.of(a).text}, {Sql.of(b).text})"),
    when=lambda condition, then, otherwise: Sql(
        f"CASE WHEN {Sql.of(condition).text} THEN {Sql.of(then).text} ELSE {Sql.of(otherwise).text} END"
    ),
    not_null=lambda value: Sql(f"({Sql.of(value).text} IS NOT NULL)"),
    and_then=lambda condition, thunk: Sql(f"({Sql.of(condition).text} AND {Sql.of(thunk()).text})"),
)


def kpi_value(numerator, denominator, *, scale: int, is_count: bool):
    """sum(numerator) ÷ sum(denominator) × scale (a count is its numerator). Multiplying before
    dividing keeps e.g. 29/100 exactly 29.0. The caller handles a zero denominator ("no data")."""
    if is_count:
        return numerator
    return numerator * scale / denominator


def wilson_percent(successes, trials, ops: Ops = PYTHON, z: float = Z_95):
    """The 95 % Wilson score interval of a proportion, in percent (trials > 0)."""
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half_width = z * ops.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return ops.greatest(0.0, centre - half_width) * 100, ops.least(1.0, centre + half_width) * 100


def low_sample(sample_size, min_sample: int):
    """A figure from fewer than `min_sample` records is flagged low-confidence."""
    return sample_size < min_sample


def status(value, target_value, stretch, *, higher_is_better: bool, ops: Ops = PYTHON):
    """excellent / met / missed of a value against a target in force (and its optional stretch).

    The caller gives `no_data` (no value) and `no_target` (no target, or a KPI without direction).
    """

    def as_good_as(level):
        return value >= level if higher_is_better else value <= level

    excellent = ops.and_then(ops.not_null(stretch), lambda: as_good_as(stretch))
    return ops.when(excellent, "excellent", ops.when(as_good_as(target_value), "met", "missed"))
