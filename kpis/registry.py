"""The KPI registry: the one place where every KPI of Pulse is defined (SPEC §3).

Each KPI is stored as a numerator and a denominator so that any period and any group rolls
up exactly as sum(numerator) / sum(denominator) × scale — never as a mean of daily means.
The SQL for those sums lives here too (`aggregates`), next to the formula text it implements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from tickets.models import SOLVED_STATUSES

from .formulas import kpi_value
from .stats import is_low_confidence, ratio_interval_percent

# Bump when a formula changes: every snapshot records the version that produced it.
# 2: IQS (quality reviews) joins the registry, with its part rows (n, disputed, second moments).
# 3: business-hours FRT and resolution time join; every time KPI also stores its daily distribution of durations.
DEFINITIONS_VERSION = 3


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NONE = "none"


class Unit(StrEnum):
    PERCENT = "percent"
    SCORE = "score"
    SECONDS = "seconds"
    COUNT = "count"


class Source(StrEnum):
    TICKETS = "tickets"
    SURVEYS = "surveys"
    QUALITY_REVIEWS = "quality_reviews"


# Sources whose day field is already the team's local day (a date stored with the record), not a moment:
# a quality review counts on its ticket's solved day in the team's time zone (`QualityReview.work_day`).
LOCAL_DAY_SOURCES = frozenset({Source.QUALITY_REVIEWS})


# A ticket is solved when solved_at is set and its status is solved or closed.
SOLVED = Q(solved_at__isnull=False, status__in=SOLVED_STATUSES)
FIRST_CONTACT = Q(agent_replies=1, reopened_count=0)


def _number_text(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,g}"


def _finite_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        return None
    return number if math.isfinite(number) else None


# How a counted record adds to a KPI's numerator: declared once per KPI; the ORM aggregate (both
# computation paths), the SQL reading of the sum and the drill-down all derive from it.


@dataclass(frozen=True)
class CountWhere:
    """Counted records that also match `condition` (e.g. CSAT 4–5)."""

    condition: Q = field(default_factory=Q)
    is_duration = False

    def aggregate(self, counted: Q):
        return Count("id", filter=counted & self.condition)


@dataclass(frozen=True)
class NetCount:
    """Counted records matching `plus` minus those matching `minus` (NPS: promoters − detractors)."""

    plus: Q
    minus: Q
    is_duration = False

    def aggregate(self, counted: Q):
        return Count("id", filter=counted & self.plus) - Count("id", filter=counted & self.minus)


@dataclass(frozen=True)
class SumOf:
    """The sum of a numeric field (or expression) over the counted records."""

    field: str | object
    is_duration = False

    def record_value(self):
        """What one counted record adds: the field (or expression) itself."""
        return F(self.field) if isinstance(self.field, str) else self.field

    def aggregate(self, counted: Q):
        return Sum(self.record_value(), filter=counted)


@dataclass(frozen=True)
class SecondsBetween:
    """The sum of (end − start) over the counted records; the database returns it as a duration."""

    start: str
    end: str
    is_duration = True

    def record_value(self):
        """What one counted record adds: end − start, a duration."""
        return ExpressionWrapper(F(self.end) - F(self.start), output_field=DurationField())

    def aggregate(self, counted: Q):
        return Sum(self.record_value(), filter=counted)


# The part rows of a sampled ratio: each sums one quantity over the sampled units, its denominator is n.
PART_DISPUTED = "disputed"
PART_NUMERATOR_SQUARES = "num_sq"
PART_CROSS_PRODUCTS = "num_x_den"
PART_DENOMINATOR_SQUARES = "den_sq"


@dataclass(frozen=True)
class SampledRatio:
    """A ratio of sums over sampled units, each adding its own share to numerator and denominator (IQS:
    reviews, each earning points of its points possible).

    Such a figure's sample is the units (n reviews), not its denominator (points); its 95 % interval is the
    ratio estimator's (Cochran, Sampling Techniques §6.4), which needs Σe², Σe·p and Σp² besides Σe and Σp;
    and the units matching `disputed` are counted, so every figure can say how many of its units are
    contested. Those sums are snapshot rows of their own (`Kpi.parts`, code `<kpi>_<part>`, numerator the
    sum, denominator n): they roll up over days, agents, teams and periods like every figure, and a page
    reads them in the same query as the KPI's own rows.
    """

    numerator_field: str
    denominator_field: str
    disputed: Q
    # What a unit is, for sample sizes ("reviews").
    unit_text: str

    def part_numerators(self) -> dict[str, CountWhere | SumOf]:
        e, p = F(self.numerator_field), F(self.denominator_field)
        return {
            PART_DISPUTED: CountWhere(self.disputed),
            PART_NUMERATOR_SQUARES: SumOf(e * e),
            PART_CROSS_PRODUCTS: SumOf(e * p),
            PART_DENOMINATOR_SQUARES: SumOf(p * p),
        }


@dataclass(frozen=True)
class SampleFigure:
    """n, the 95 % interval and the disputed units of a sampled ratio over some rows."""

    units: int
    disputed: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    unit: Unit
    direction: Direction
    formula: str
    numerator_text: str
    denominator_text: str
    source: Source
    # The timestamp whose local calendar day (in the record's team time zone) holds the record.
    day_field: str
    # Which records of `source` the KPI counts: its denominator, and the drill-down list.
    counted: Q
    # How each counted record adds to the numerator.
    numerator: CountWhere | NetCount | SumOf | SecondsBetween
    # How each counted record adds to the denominator: one each, unless a sum is declared (IQS: points possible,
    # whole numbers since category weights are, so the integer column keeps the roll-up exact).
    denominator: CountWhere | SumOf = CountWhere()
    # A ratio over sampled units (IQS): n, interval and disputed units come from its part rows.
    sample: SampledRatio | None = None
    # Multiplier from numerator/denominator to the displayed value (100 for % and NPS).
    scale: int = 1
    # Rates carry a 95 % Wilson score interval.
    is_rate: bool = False
    decimals: int = 1
    # A count (volume) is its numerator: it sums over days, has no rate, interval or sample flag.
    is_count: bool = False
    # The scale a target, stretch or goal is set on: lower_bound … upper_bound, each end included
    # unless its `*_inclusive` is False; None leaves that side open. Measured values are not
    # clamped to it (one ticket may take longer than any sane target); only what people set is.
    lower_bound: float | None = None
    upper_bound: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True

    @property
    def has_target(self) -> bool:
        return self.direction != Direction.NONE

    @property
    def has_distribution(self) -> bool:
        """A time KPI (a mean of per-record durations) also stores, per snapshot row, the distribution of those
        durations (`kpis.distributions`): its median and p90 roll up exactly like its mean, and a target may be
        set on either."""
        return self.unit == Unit.SECONDS and isinstance(self.numerator, SumOf | SecondsBetween)

    @property
    def duration(self):
        """The per-record duration whose sum is the numerator (SecondsBetween's end − start, SumOf's field): the
        ORM expression the distribution is built from, so mean and distribution come from one declaration.
        A duration expression for SecondsBetween (`numerator.is_duration`), seconds otherwise."""
        if not self.has_distribution:
            raise AttributeError(f"{self.code} has no per-record duration")
        return self.numerator.record_value()

    def on_scale(self, value: float) -> bool:
        """Whether a finite `value` lies within this KPI's bounds."""
        if not math.isfinite(value):
            return False
        low, high = self.lower_bound, self.upper_bound
        above_low = low is None or value > low or (value == low and self.lower_inclusive)
        below_high = high is None or value < high or (value == high and self.upper_inclusive)
        return above_low and below_high

    def scale_words(self, number_text, unit: str) -> str:
        """The scale in words, its bounds written by `number_text` and followed by `unit`."""
        low, high = self.lower_bound, self.upper_bound
        if low is not None and high is not None and self.lower_inclusive and self.upper_inclusive:
            return f"from {number_text(low)} to {number_text(high)}{unit}"
        parts = []
        if low is not None:
            parts.append(f"{'at least' if self.lower_inclusive else 'above'} {number_text(low)}")
        if high is not None:
            parts.append(f"{'at most' if self.upper_inclusive else 'below'} {number_text(high)}")
        return f"{' and '.join(parts)}{unit}" if parts else "any number"

    @property
    def scale_text(self) -> str:
        """The scale as the API takes it, e.g. "from 0 to 100 %" or "above 0 and at most 86,400 seconds"
        (pages write it in their own units: `kpis.formatting.format_scale`)."""
        return self.scale_words(_number_text, {Unit.PERCENT: " %", Unit.SECONDS: " seconds"}.get(self.unit, ""))

    def nearest_on_scale(self, value: float) -> float:
        """`value` moved onto the scale (a suggestion is never one the form would refuse)."""
        low, high = self.lower_bound, self.upper_bound
        if low is not None and (value < low or (value == low and not self.lower_inclusive)):
            return low if self.lower_inclusive else low + 1  # e.g. 1 s: durations are above 0
        if high is not None and (value > high or (value == high and not self.upper_inclusive)):
            return high if self.upper_inclusive else high - 1
        return value

    def value_error(self, value: object) -> str | None:
        """Why `value` cannot be set as a target, stretch or goal of this KPI; None when it can."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Give a number."
        number = _finite_or_none(value)
        if number is None or not self.on_scale(number):
            return f"{self.name}: give a value {self.scale_text}."
        return None

    def target_errors(self, value: object, stretch: object = None) -> dict[str, str]:
        """Field errors ("value", "stretch") of a target and its optional stretch on this KPI's scale.

        The stretch is the excellent level: on the scale and on the better side of the value.
        None, or what is not a finite number, is left to the field's own validation (the models'
        FiniteFloatField), so that one mistake gives one message.
        """
        value, stretch = _finite_or_none(value), _finite_or_none(stretch)
        errors: dict[str, str] = {}
        if value is not None and (error := self.value_error(value)):
            errors["value"] = error
        if stretch is not None:
            if error := self.value_error(stretch):
                errors["stretch"] = error
            elif value is not None and "value" not in errors:
                if self.direction == Direction.HIGHER and stretch < value:
                    errors["stretch"] = "For a higher-is-better KPI the stretch must be at least the target."
                elif self.direction == Direction.LOWER and stretch > value:
                    errors["stretch"] = "For a lower-is-better KPI the stretch must be at most the target."
        return errors

    def aggregates(self) -> dict[str, object]:
        """The ORM aggregates of numerator and denominator, for a queryset of `source` rows."""
        return {
            f"{self.code}__num": self.numerator.aggregate(self.counted),
            f"{self.code}__den": self.denominator.aggregate(self.counted),
        }

    def numerator_denominator(self, row: dict) -> tuple[float, int]:
        """Read this KPI's numerator and denominator from a row produced by `aggregates()`."""
        num, den = row.get(f"{self.code}__num") or 0, row.get(f"{self.code}__den") or 0
        if self.numerator.is_duration and hasattr(num, "total_seconds"):  # a summed duration
            num = num.total_seconds()
        return float(num), round(den)

    @property
    def parts(self) -> list[Kpi]:
        """The part rows a sampled ratio is stored with (none for other KPIs): computed like count KPIs
        over the same records, never shown, targeted or listed."""
        if self.sample is None:
            return []
        return [
            Kpi(
                code=f"{self.code}_{name}",
                name=f"{self.name} ({name})",
                unit=Unit.COUNT,
                direction=Direction.NONE,
                formula=f"part row of {self.code}: {name} summed over {self.sample.unit_text}",
                numerator_text=name,
                denominator_text=self.sample.unit_text,
                source=self.source,
                day_field=self.day_field,
                counted=self.counted,
                numerator=numerator,
                is_count=True,
                decimals=0,
            )
            for name, numerator in self.sample.part_numerators().items()
        ]

    def sample_figure(self, parts: dict[str, tuple[float, int]], numerator: float, denominator: int) -> SampleFigure:
        """n, interval and disputed units of a sampled ratio from the sums of its part rows
        (`parts`: part code → (numerator, denominator) summed over the same rows as the figure's own)."""

        def part(name: str) -> tuple[float, int]:
            return parts.get(f"{self.code}_{name}", (0.0, 0))

        disputed, units = part(PART_DISPUTED)
        interval = ratio_interval_percent(
            units=units,
            numerator=numerator,
            denominator=denominator,
            numerator_squares=part(PART_NUMERATOR_SQUARES)[0],
            cross_products=part(PART_CROSS_PRODUCTS)[0],
            denominator_squares=part(PART_DENOMINATOR_SQUARES)[0],
        )
        return SampleFigure(
            units=int(units),
            disputed=round(disputed),
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
        )

    def sample_size(self, numerator: float, denominator: int) -> int:
        """The records behind a figure: a count's own number, else its denominator (a sampled ratio's
        units are read from its part rows: `sample_figure`)."""
        return int(numerator) if self.is_count else int(denominator)

    def low_confidence(self, sample_size: int) -> bool:
        """A figure on fewer than KPI_MIN_SAMPLE records (its sample size: the denominator, or a sampled
        ratio's units) is flagged; a count, or no data, never is."""
        return not self.is_count and sample_size > 0 and is_low_confidence(sample_size)

    def value(self, numerator: float, denominator: int) -> float | None:
        """sum(numerator) / sum(denominator) × scale; None ("no data") when nothing was counted."""
        if not denominator and not self.is_count:
            return None
        return float(kpi_value(numerator, denominator, scale=self.scale, is_count=self.is_count))


# Upper bounds of duration targets: beyond these a figure is a typing error, not a goal.
MAX_HANDLE_TIME_SECONDS = 24 * 3600.0
MAX_FIRST_RESPONSE_SECONDS = 30 * 24 * 3600.0
MAX_RESOLUTION_SECONDS = 365 * 24 * 3600.0

KPIS: dict[str, Kpi] = {
    kpi.code: kpi
    for kpi in (
        Kpi(
            code="csat",
            name="Customer Satisfaction",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER,
            formula="CSAT responses scoring 4 or 5 ÷ CSAT responses × 100",
            numerator_text="CSAT responses scoring 4–5",
            denominator_text="CSAT responses",
            source=Source.SURVEYS,
            day_field="responded_at",
            counted=Q(kind="csat"),
            numerator=CountWhere(Q(score__gte=4)),
            scale=100,
            is_rate=True,
            lower_bound=0.0,
            upper_bound=100.0,
        ),
        Kpi(
            code="nps",
            name="Net Promoter Score",
            unit=Unit.SCORE,
            direction=Direction.HIGHER,
            formula="(promoters 9–10 − detractors 0–6) ÷ NPS responses × 100, from −100 to 100",
            numerator_text="promoters − detractors",
            denominator_text="NPS responses",
            source=Source.SURVEYS,
            day_field="responded_at",
            counted=Q(kind="nps"),
            numerator=NetCount(plus=Q(score__gte=9), minus=Q(score__lte=6)),
            scale=100,
            decimals=0,
            lower_bound=-100.0,
            upper_bound=100.0,
        ),
        Kpi(
            code="ces",
            name="Customer Effort Score",
            unit=Unit.SCORE,
            direction=Direction.HIGHER,
            formula="sum of CES scores ÷ CES responses (1–7, 7 = very easy)",
            numerator_text="sum of CES scores",
            denominator_text="CES responses",
            source=Source.SURVEYS,
            day_field="responded_at",
            counted=Q(kind="ces"),
            numerator=SumOf("score"),
            decimals=2,
            lower_bound=1.0,
            upper_bound=7.0,
        ),
        Kpi(
            code="aht",
            name="Average Handling Time",
            unit=Unit.SECONDS,
            direction=Direction.LOWER,
            formula="sum of handle time (talk + hold + after-contact work) ÷ solved tickets with a handle time",
            numerator_text="sum of handle_time_seconds",
            denominator_text="solved tickets with a handle time",
            source=Source.TICKETS,
            day_field="solved_at",
            counted=SOLVED & Q(handle_time_seconds__isnull=False),
            numerator=SumOf("handle_time_seconds"),
            decimals=0,
            lower_bound=0.0,
            upper_bound=MAX_HANDLE_TIME_SECONDS,
            lower_inclusive=False,
        ),
        Kpi(
            code="frt",
            name="First Response Time",
            unit=Unit.SECONDS,
            direction=Direction.LOWER,
            formula="sum of (first_response_at − created_at) ÷ tickets with a first response",
            numerator_text="sum of seconds to first response",
            denominator_text="tickets with a first response",
            source=Source.TICKETS,
            day_field="first_response_at",
            counted=Q(first_response_at__isnull=False),
            numerator=SecondsBetween("created_at", "first_response_at"),
            decimals=0,
            lower_bound=0.0,
            upper_bound=MAX_FIRST_RESPONSE_SECONDS,
            lower_inclusive=False,
        ),
        Kpi(
            code="frt_business",
            name="First Response Time (business hours)",
            unit=Unit.SECONDS,
            direction=Direction.LOWER,
            formula=(
                "sum of business seconds from created to first response (the team's schedule, or the helpdesk's "
                "own figure) ÷ tickets with a first response and a business-hours figure"
            ),
            numerator_text="sum of business seconds to first response",
            denominator_text="tickets with a first response in business hours figured",
            source=Source.TICKETS,
            day_field="first_response_at",
            counted=Q(first_response_at__isnull=False, first_response_business_seconds__isnull=False),
            numerator=SumOf("first_response_business_seconds"),
            decimals=0,
            lower_bound=0.0,
            upper_bound=MAX_FIRST_RESPONSE_SECONDS,
            lower_inclusive=False,
        ),
        Kpi(
            code="resolution_time",
            name="Resolution Time",
            unit=Unit.SECONDS,
            direction=Direction.LOWER,
            formula="sum of (solved_at − created_at) ÷ solved tickets",
            numerator_text="sum of seconds to resolution",
            denominator_text="solved tickets",
            source=Source.TICKETS,
            day_field="solved_at",
            counted=SOLVED,
            numerator=SecondsBetween("created_at", "solved_at"),
            decimals=0,
            lower_bound=0.0,
            upper_bound=MAX_RESOLUTION_SECONDS,
            lower_inclusive=False,
        ),
        Kpi(
            code="resolution_time_business",
            name="Resolution Time (business hours)",
            unit=Unit.SECONDS,
            direction=Direction.LOWER,
            formula=(
                "sum of business seconds from created to solved (the team's schedule, or the helpdesk's own figure) "
                "÷ solved tickets with a business-hours figure"
            ),
            numerator_text="sum of business seconds to resolution",
            denominator_text="solved tickets with resolution in business hours figured",
            source=Source.TICKETS,
            day_field="solved_at",
            counted=SOLVED & Q(resolution_business_seconds__isnull=False),
            numerator=SumOf("resolution_business_seconds"),
            decimals=0,
            lower_bound=0.0,
            upper_bound=MAX_RESOLUTION_SECONDS,
            lower_inclusive=False,
        ),
        Kpi(
            code="fcr",
            name="First Contact Resolution",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER,
            formula="solved tickets with exactly one agent reply and never reopened ÷ solved tickets × 100",
            numerator_text="solved tickets with one reply, never reopened",
            denominator_text="solved tickets",
            source=Source.TICKETS,
            day_field="solved_at",
            counted=SOLVED,
            numerator=CountWhere(FIRST_CONTACT),
            scale=100,
            is_rate=True,
            lower_bound=0.0,
            upper_bound=100.0,
        ),
        Kpi(
            code="resolution_rate",
            name="Resolution Rate",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER,
            formula="tickets created that day and solved now ÷ tickets created that day × 100",
            numerator_text="tickets created that day, now solved",
            denominator_text="tickets created",
            source=Source.TICKETS,
            day_field="created_at",
            counted=Q(),
            numerator=CountWhere(SOLVED),
            scale=100,
            is_rate=True,
            lower_bound=0.0,
            upper_bound=100.0,
        ),
        Kpi(
            code="volume",
            name="Ticket Volume",
            unit=Unit.COUNT,
            direction=Direction.NONE,
            formula="tickets created (rolls up as a sum; a day without tickets is 0)",
            numerator_text="tickets created",
            denominator_text="tickets created",
            source=Source.TICKETS,
            day_field="created_at",
            counted=Q(),
            numerator=CountWhere(),
            decimals=0,
            lower_bound=0.0,
            is_count=True,
        ),
        Kpi(
            code="iqs",
            name="Internal Quality Score",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER,
            formula=(
                "rubric points earned ÷ rubric points possible × 100, summed over submitted quality reviews "
                "(an auto-fail earns 0; N/A adds no points possible)"
            ),
            numerator_text="rubric points earned",
            denominator_text="rubric points possible",
            source=Source.QUALITY_REVIEWS,
            day_field="work_day",
            # Live reviews only: submitted, of kind review (never calibration scores or references), not
            # re-scored (a re-score after an accepted dispute is submitted in its place).
            counted=Q(kind="review", status="submitted"),
            numerator=SumOf("points_earned"),
            denominator=SumOf("points_possible"),
            sample=SampledRatio(
                numerator_field="points_earned",
                denominator_field="points_possible",
                disputed=Q(under_dispute=True),
                unit_text="reviews",
            ),
            scale=100,
            lower_bound=0.0,
            upper_bound=100.0,
        ),
    )
}

# Every snapshot series the computation writes: the KPIs and their part rows (`Kpi.parts`).
KPI_PARTS: dict[str, Kpi] = {part.code: part for kpi in KPIS.values() for part in kpi.parts}
SNAPSHOT_KPIS: dict[str, Kpi] = {**KPIS, **KPI_PARTS}

KPI_CODES: tuple[str, ...] = tuple(KPIS)
KPI_CHOICES: list[tuple[str, str]] = [(kpi.code, kpi.name) for kpi in KPIS.values()]
QUALITY_KPIS = ("csat", "nps", "ces", "fcr", "iqs")
# Business-hours KPIs and their calendar twins: the same duration counted in opening hours or on the clock. A grid
# shows one of each pair unless both are targeted, and the default org targets are set on the calendar twin.
BUSINESS_HOURS_TWINS: dict[str, str] = {"frt_business": "frt", "resolution_time_business": "resolution_time"}
EFFICIENCY_KPIS = ("aht", "frt", "frt_business", "resolution_time", "resolution_time_business")
# The KPIs whose snapshot rows carry a distribution of per-record durations (median, p90).
DISTRIBUTION_KPIS: dict[str, Kpi] = {code: kpi for code, kpi in KPIS.items() if kpi.has_distribution}


def scales_help_text() -> str:
    """The scale of every KPI that takes a target, in words, for the help text of value fields."""
    return "; ".join(f"{kpi.name} {kpi.scale_text}" for kpi in KPIS.values() if kpi.has_target) + "."


def kpis_by_day_field() -> dict[tuple[Source, str], list[Kpi]]:
    """KPIs (and their part rows) grouped by (source, day field): one grouped query computes each group."""
    groups: dict[tuple[Source, str], list[Kpi]] = {}
    for kpi in SNAPSHOT_KPIS.values():
        groups.setdefault((kpi.source, kpi.day_field), []).append(kpi)
    return groups


# Published industry benchmarks: the defaults of `seed_targets` and the goal a suggested
# next target steps toward. Keyed by (kpi, channel); channel "" = all channels.
BENCHMARKS: dict[tuple[str, str], tuple[float, float | None]] = {
    ("csat", ""): (80.0, 90.0),
    ("nps", ""): (0.0, 50.0),
    ("ces", ""): (5.0, None),
    ("aht", ""): (360.0, None),
    # All channels together: the mean is carried by email, so an hour on average.
    ("frt", ""): (3600.0, None),
    ("frt", "chat"): (30.0, None),
    ("frt", "phone"): (30.0, None),
    ("frt", "email"): (3600.0, None),
    ("resolution_time", ""): (86400.0, None),
    # Business hours: a first reply within the opening hour, a resolution within one business day (8 hours).
    ("frt_business", ""): (3600.0, None),
    ("resolution_time_business", ""): (28800.0, None),
    ("fcr", ""): (70.0, 90.0),
    ("resolution_rate", ""): (90.0, None),
}

# The largest step a suggested next target takes from the baseline: points for percentages
# and scores, a fraction of the baseline for durations.
MAX_TARGET_STEP: dict[str, float] = {
    "csat": 5.0,
    "fcr": 5.0,
    "resolution_rate": 5.0,
    "nps": 10.0,
    "ces": 0.3,
    "iqs": 5.0,
}
MAX_TARGET_STEP_FRACTION_SECONDS = 0.15


def target_step(kpi_code: str, baseline: float) -> float:
    """The largest step one new target takes from its baseline: a share of a duration, else fixed points.

    The one rule behind the suggested next target and the "far beyond the baseline" pitfall signal.
    """
    if KPIS[kpi_code].unit == Unit.SECONDS:
        return abs(baseline) * MAX_TARGET_STEP_FRACTION_SECONDS
    return MAX_TARGET_STEP[kpi_code]
