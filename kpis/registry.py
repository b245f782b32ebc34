"""The KPI registry: the one place where every KPI of Pulse is defined (SPEC §3).

Each KPI is stored as a numerator and a denominator so that any period and any group rolls
up exactly as sum(numerator) / sum(denominator) × scale — never as a mean of daily means.
The SQL for those sums lives here too (`aggregates`), next to the formula text it implements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from tickets.models import SOLVED_STATUSES

# Bump when a formula changes: every snapshot records the version that produced it.
DEFINITIONS_VERSION = 1


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


# A ticket is solved when solved_at is set and its status is solved or closed.
SOLVED = Q(solved_at__isnull=False, status__in=SOLVED_STATUSES)
FIRST_CONTACT = Q(agent_replies=1, reopened_count=0)


def _seconds_between(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


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
    # Multiplier from numerator/denominator to the displayed value (100 for % and NPS).
    scale: int = 1
    # Rates carry a 95 % Wilson score interval.
    is_rate: bool = False
    # Survey KPIs: the survey kind they count.
    survey_kind: str | None = None
    decimals: int = 1

    @property
    def has_target(self) -> bool:
        return self.direction != Direction.NONE

    @property
    def is_survey(self) -> bool:
        return self.source == Source.SURVEYS

    def aggregates(self) -> dict[str, object]:
        """The SQL aggregates of numerator and denominator, for a queryset of `source` rows."""
        num, den = f"{self.code}__num", f"{self.code}__den"
        match self.code:
            case "csat":
                kind = Q(kind="csat")
                return {num: Count("id", filter=kind & Q(score__gte=4)), den: Count("id", filter=kind)}
            case "nps":
                kind = Q(kind="nps")
                return {
                    f"{self.code}__promoters": Count("id", filter=kind & Q(score__gte=9)),
                    f"{self.code}__detractors": Count("id", filter=kind & Q(score__lte=6)),
                    den: Count("id", filter=kind),
                }
            case "ces":
                kind = Q(kind="ces")
                return {num: Sum("score", filter=kind), den: Count("id", filter=kind)}
            case "aht":
                timed = SOLVED & Q(handle_time_seconds__isnull=False)
                return {num: Sum("handle_time_seconds", filter=timed), den: Count("id", filter=timed)}
            case "frt":
                answered = Q(first_response_at__isnull=False)
                return {
                    num: Sum(_seconds_between("created_at", "first_response_at"), filter=answered),
                    den: Count("id", filter=answered),
                }
            case "resolution_time":
                return {
                    num: Sum(_seconds_between("created_at", "solved_at"), filter=SOLVED),
                    den: Count("id", filter=SOLVED),
                }
            case "fcr":
                return {num: Count("id", filter=SOLVED & FIRST_CONTACT), den: Count("id", filter=SOLVED)}
            case "resolution_rate":
                return {num: Count("id", filter=SOLVED), den: Count("id")}
            case "volume":
                return {num: Count("id"), den: Count("id")}
        raise KeyError(self.code)

    def record_filter(self) -> Q:
        """Which records of `source` count in the denominator (the drill-down list)."""
        return {
            "csat": Q(kind="csat"),
            "nps": Q(kind="nps"),
            "ces": Q(kind="ces"),
            "aht": SOLVED & Q(handle_time_seconds__isnull=False),
            "frt": Q(first_response_at__isnull=False),
            "resolution_time": SOLVED,
            "fcr": SOLVED,
        }.get(self.code, Q())

    def numerator_denominator(self, row: dict) -> tuple[float, int]:
        """Read this KPI's numerator and denominator from a row produced by `aggregates()`."""
        den = row.get(f"{self.code}__den") or 0
        if self.code == "nps":
            num = (row.get("nps__promoters") or 0) - (row.get("nps__detractors") or 0)
        else:
            num = row.get(f"{self.code}__num") or 0
        if hasattr(num, "total_seconds"):  # summed durations come back as timedelta
            num = num.total_seconds()
        return float(num), int(den)

    def value(self, numerator: float, denominator: int) -> float | None:
        """sum(numerator) / sum(denominator) × scale; None ("no data") when nothing was counted."""
        if self.code == "volume":
            return float(numerator)
        if not denominator:
            return None
        # Multiply before dividing so that e.g. 29/100 gives exactly 29.0, not 28.999….
        return numerator * self.scale / denominator


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
            scale=100,
            is_rate=True,
            survey_kind="csat",
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
            scale=100,
            survey_kind="nps",
            decimals=0,
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
            survey_kind="ces",
            decimals=2,
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
            decimals=0,
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
            decimals=0,
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
            decimals=0,
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
            scale=100,
            is_rate=True,
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
            scale=100,
            is_rate=True,
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
            decimals=0,
        ),
    )
}

KPI_CODES: tuple[str, ...] = tuple(KPIS)
KPI_CHOICES: list[tuple[str, str]] = [(kpi.code, kpi.name) for kpi in KPIS.values()]
QUALITY_KPIS = ("csat", "nps", "ces", "fcr")
EFFICIENCY_KPIS = ("aht", "frt", "resolution_time")


def get_kpi(code: str) -> Kpi:
    return KPIS[code]


def kpis_by_day_field() -> dict[tuple[Source, str], list[Kpi]]:
    """KPIs grouped by (source, day timestamp): one grouped query computes each group."""
    groups: dict[tuple[Source, str], list[Kpi]] = {}
    for kpi in KPIS.values():
        groups.setdefault((kpi.source, kpi.day_field), []).append(kpi)
    return groups


# Published industry benchmarks: the defaults of `seed_targets` and the goal a suggested
# next target steps toward. Keyed by (kpi, channel); channel "" = all channels.
BENCHMARKS: dict[tuple[str, str], tuple[float, float | None]] = {
    ("csat", ""): (80.0, 90.0),
    ("nps", ""): (0.0, 50.0),
    ("ces", ""): (5.0, None),
    ("aht", ""): (360.0, None),
    ("frt", "chat"): (30.0, None),
    ("frt", "phone"): (30.0, None),
    ("frt", "email"): (3600.0, None),
    ("resolution_time", ""): (86400.0, None),
    ("fcr", ""): (70.0, 90.0),
    ("resolution_rate", ""): (90.0, None),
}

# The largest step a suggested next target takes from the baseline: points for percentages
# and scores, a fraction of the baseline for durations.
MAX_TARGET_STEP: dict[str, float] = {"csat": 5.0, "fcr": 5.0, "resolution_rate": 5.0, "nps": 10.0, "ces": 0.3}
MAX_TARGET_STEP_FRACTION_SECONDS = 0.15
