"""How a KPI figure reads to a person: the one formatter of pages, goals, pitfall evidence, exports and
the API's display fields, and the one reader of durations typed into forms.

Values arrive in the registry's units (percent 0–100, scores, durations in seconds, counts); this
module only turns them into text, so a figure reads the same everywhere:

- `format_value(kpi, value)`: "85.9 %", "+38", "6.11", "5 min 31 s", "24 h", "1 d 2 h", "247 tickets".
- `format_change(kpi, change)`: "+3.2 pts", "−1 min 5 s", "+12 tickets".
- `format_target(kpi, value)`: "≥ 80.0 %", "≤ 5 min 30 s" (the comparator follows the KPI's direction).
- `format_scale(kpi)`: the range a target may take, in the same units ("above 0 s and at most 24 h").
- `format_date(day)`, `format_period(first, last)`: dates on pages ("2 Nov 2026", "1–30 Nov 2026"); exports and
  the API keep ISO 8601.

Durations read in the largest units that keep them exact enough for a leader: seconds under a
minute, minutes and seconds under an hour, hours and minutes up to a whole day ("24 h", the usual
service-level figure), days and hours beyond ("1 d 2 h"); zero trailing parts are left out.

Durations are typed as minutes ("5.5" is 5 min 30 s) or as h:mm ("1:30" is 1 h 30 min, h:mm:ss
also accepted); `parse_duration_input` reads them into seconds and `duration_input_text` writes
stored seconds back in the same form. The API keeps plain seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from .registry import KPIS, Direction, Kpi, Unit

MINUS = "−"
NO_VALUE = "—"
COMPARATORS = {Direction.HIGHER: "≥", Direction.LOWER: "≤"}
# What one unit of a count KPI is called: (singular, plural).
COUNT_NOUNS = {"volume": ("ticket", "tickets")}

MINUTE, HOUR, DAY = 60, 3600, 86400

DURATION_INPUT_HINT = "Durations in minutes (5.5 = 5 min 30 s) or as h:mm (1:30 = 1 h 30 min; h:mm:ss also works)."
DURATION_INPUT_ERROR = "Type the duration in minutes (e.g. 5.5) or as h:mm (e.g. 1:30)."
# Minutes ("5", "5.5", "5,5") or a clock ("1:30", "0:05:30"); the sign is read so that a negative
# duration gets the scale's message ("above 0 s"), not a format error.
_MINUTES_RE = re.compile(r"^(?P<sign>[-−]?)(?P<minutes>\d+(?:[.,]\d+)?)$")
_CLOCK_RE = re.compile(r"^(?P<sign>[-−]?)(?P<hours>\d+):(?P<minutes>[0-5]\d)(?::(?P<seconds>[0-5]\d))?$")


def kpi_of(kpi_or_code: Kpi | str) -> Kpi:
    """The registry's KPI for a KPI or its code."""
    return kpi_or_code if isinstance(kpi_or_code, Kpi) else KPIS[kpi_or_code]


def is_duration(kpi_or_code: Kpi | str) -> bool:
    return kpi_of(kpi_or_code).unit == Unit.SECONDS


def _missing(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _half_up(number: float) -> int:
    # Half-up, as people round (Python's round() goes to even: 90.5 minutes would read "1 h 30 min").
    return math.floor(number + 0.5)


def _sign(number: float) -> str:
    return MINUS if number < 0 else ""


def format_duration(seconds) -> str:
    """Seconds as a person reads them: "45 s", "6 min", "5 min 31 s", "1 h 5 min", "24 h", "1 d 2 h"."""
    if _missing(seconds):
        return NO_VALUE
    seconds = float(seconds)
    total = _half_up(abs(seconds))
    if total < HOUR:
        minutes, secs = divmod(total, MINUTE)
        parts = [(minutes, "min"), (secs, "s")] if minutes else [(secs, "s")]
    elif _half_up(total / MINUTE) <= DAY // MINUTE:
        hours, minutes = divmod(_half_up(total / MINUTE), 60)
        parts = [(hours, "h"), (minutes, "min")]
    else:
        days, hours = divmod(_half_up(total / HOUR), 24)
        parts = [(days, "d"), (hours, "h")]
    # Trailing zero parts say nothing ("6 min", "24 h", "2 d"); a lone zero stays ("0 s").
    while len(parts) > 1 and parts[-1][0] == 0:
        parts.pop()
    text = " ".join(f"{amount} {unit}" for amount, unit in parts)
    return (_sign(seconds) if total else "") + text


def format_signed(number, decimals: int = 0) -> str:
    """A signed number with a true minus sign: 65 → "+65", -20 → "−20", 0 → "0"."""
    if _missing(number):
        return NO_VALUE
    number = float(number)
    text = f"{abs(number):,.{int(decimals)}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if number > 0 else MINUS) + text


def _is_signed_scale(kpi: Kpi) -> bool:
    # A scale that runs below zero (NPS, −100 to 100) reads with its sign, so +38 and −38 differ at a glance.
    return kpi.lower_bound is not None and kpi.lower_bound < 0


def _count_text(kpi: Kpi, number: float) -> str:
    text = f"{_sign(number)}{abs(number):,.0f}"
    singular, plural = COUNT_NOUNS.get(kpi.code, ("", ""))
    noun = singular if abs(round(number)) == 1 else plural
    return f"{text} {noun}" if noun else text


def format_value(kpi_or_code: Kpi | str, value) -> str:
    """A KPI value in its unit: "85.9 %", "+38", "6.11", "5 min 31 s", "247 tickets"; "—" for no data."""
    if _missing(value):
        return NO_VALUE
    kpi, number = kpi_of(kpi_or_code), float(value)
    if kpi.unit == Unit.SECONDS:
        return format_duration(number)
    if kpi.unit == Unit.PERCENT:
        return f"{_sign(number)}{abs(number):.{kpi.decimals}f} %"
    if kpi.unit == Unit.COUNT:
        return _count_text(kpi, number)
    if _is_signed_scale(kpi):
        return format_signed(number, kpi.decimals)
    return f"{_sign(number)}{abs(number):.{kpi.decimals}f}"


def _number_text(kpi: Kpi, number: float, decimals: int) -> str:
    """A number of a non-duration, non-count KPI as `format_value` writes it, with `decimals` decimals."""
    text = f"{_sign(number)}{abs(number):.{decimals}f}"
    if kpi.unit == Unit.PERCENT:
        return f"{text} %"
    if _is_signed_scale(kpi):
        return format_signed(number, decimals)
    return text


def _exact_duration(seconds: float, decimals: int = 0) -> str:
    """A duration with every part down to seconds ("1 h 0 min 8 s", "2 d 0 h 0 min 1 s"); `decimals` on seconds."""
    total = abs(seconds)
    step = 10**-decimals
    total = math.floor(total / step + 0.5) * step  # half-up at the precision shown
    days, rest = divmod(total, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    while parts and not parts[0][0]:
        parts.pop(0)  # leading zero parts say nothing; inner ones keep the reading exact ("1 h 0 min 8 s")
    text = " ".join(f"{int(amount)} {unit}" for amount, unit in parts)
    return _sign(seconds) + (f"{text} " if text else "") + f"{secs:.{decimals}f} s"


def format_value_against(kpi_or_code: Kpi | str, value, target) -> str:
    """`format_value` of a value held to `target`, with as much more precision as it takes to tell them apart when
    they differ but would read alike: 3,607.5 s against 1 h reads "1 h 0 min 8 s", not "1 h"; 79.96 % against
    80 % reads "79.96 %". A status beside a figure must be visible in its numbers."""
    text = format_value(kpi_or_code, value)
    if _missing(value) or _missing(target) or float(value) == float(target):
        return text
    kpi, value, target = kpi_of(kpi_or_code), float(value), float(target)
    if text != format_value(kpi, target) or kpi.unit == Unit.COUNT:
        return text
    for extra in range(4):
        if kpi.unit == Unit.SECONDS:
            precise, other = _exact_duration(value, extra), _exact_duration(target, extra)
        else:
            precise, other = (_number_text(kpi, number, kpi.decimals + 1 + extra) for number in (value, target))
        if precise != other:
            return precise
    return precise


def format_change(kpi_or_code: Kpi | str, change) -> str:
    """A change against another period in the KPI's unit: "+3.2 pts", "−1 min 5 s", "+12 tickets", "0 s". A change
    that is not nil never reads as one: 0.3 s worse reads "+0.3 s", beside its trend "worse", not "0 s"."""
    if _missing(change):
        return NO_VALUE
    kpi, number = kpi_of(kpi_or_code), float(change)
    text = _change_text(kpi, number)
    for extra in range(1, 4):
        if not number or kpi.unit == Unit.COUNT or any(digit in text for digit in "123456789"):
            break
        sign = "+" if number > 0 else MINUS
        if kpi.unit == Unit.SECONDS:
            text = sign + _exact_duration(abs(number), extra)
        else:
            text = format_signed(number, kpi.decimals + extra) + (" pts" if kpi.unit == Unit.PERCENT else "")
    return text


def _change_text(kpi: Kpi, number: float) -> str:
    if kpi.unit == Unit.PERCENT:
        return format_signed(number, kpi.decimals) + " pts"
    if kpi.unit == Unit.SECONDS:
        text = format_duration(abs(number))
        return text if _half_up(abs(number)) == 0 else ("+" if number > 0 else MINUS) + text
    if kpi.unit == Unit.COUNT:
        text = format_value(kpi, abs(number))
        return text if _half_up(abs(number)) == 0 else ("+" if number > 0 else MINUS) + text
    return format_signed(number, kpi.decimals)


def comparator(kpi_or_code: Kpi | str) -> str:
    """ "≥" for a higher-is-better KPI, "≤" for a lower-is-better one; "" for a KPI without a target."""
    return COMPARATORS.get(kpi_of(kpi_or_code).direction, "")


def format_target(kpi_or_code: Kpi | str, value, comparator_text: str | None = None) -> str:
    """A target or goal as the comparison it asks for: "≥ 80.0 %", "≤ 5 min 30 s"; "" without a value."""
    if _missing(value):
        return ""
    operator = comparator(kpi_or_code) if comparator_text is None else comparator_text
    text = format_value(kpi_or_code, value)
    return f"{operator} {text}" if operator else text


def _bound_text(kpi: Kpi, number: float) -> str:
    if kpi.unit == Unit.SECONDS:
        return format_duration(number)
    return f"{_sign(number)}{abs(number):,.0f}" if float(number).is_integer() else f"{number:,g}"


def format_scale(kpi_or_code: Kpi | str) -> str:
    """The range a target of the KPI may take, in its units: "from 0 to 100 %", "above 0 s and at most 24 h"."""
    kpi = kpi_of(kpi_or_code)
    return kpi.scale_words(lambda number: _bound_text(kpi, number), " %" if kpi.unit == Unit.PERCENT else "")


def scale_error(kpi_or_code: Kpi | str) -> str:
    """The field error of a value off the KPI's scale, in the units the form is typed in."""
    kpi = kpi_of(kpi_or_code)
    what = "a duration" if kpi.unit == Unit.SECONDS else "a value"
    return f"{kpi.name}: give {what} {format_scale(kpi)}."


def value_input_help_text() -> str:
    """The help text of a target or goal value field: how to type it, and each KPI's scale."""
    numbers = "; ".join(f"{k.name} {format_scale(k)}" for k in KPIS.values() if k.has_target and not is_duration(k))
    durations = "; ".join(f"{k.name} {format_scale(k)}" for k in KPIS.values() if k.has_target and is_duration(k))
    return f"On the KPI's scale: {numbers}. {DURATION_INPUT_HINT} {durations}."


def parse_duration_input(text) -> float:
    """Seconds from a typed duration: minutes ("5", "5.5", "5,5") or a clock ("1:30" h:mm, "0:05:30").

    Raises ValueError with `DURATION_INPUT_ERROR` for anything else (units, "1e3", "nan", "5:75").
    """
    text = str(text).strip()
    if match := _MINUTES_RE.match(text):
        seconds = float(match["minutes"].replace(",", ".")) * MINUTE
    elif match := _CLOCK_RE.match(text):
        seconds = int(match["hours"]) * HOUR + int(match["minutes"]) * MINUTE + int(match["seconds"] or 0)
    else:
        raise ValueError(DURATION_INPUT_ERROR)
    if not math.isfinite(seconds):  # minutes beyond the float range
        raise ValueError(DURATION_INPUT_ERROR)
    seconds = float(_half_up(seconds))
    return -seconds if match["sign"] and seconds else seconds


def duration_input_text(seconds) -> str:
    """Stored seconds as a form shows them: minutes under an hour ("5.5"), else h:mm ("24:00") or h:mm:ss.

    `parse_duration_input` reads the text back to the same whole seconds.
    """
    if _missing(seconds):
        return ""
    number = float(seconds)
    total = _half_up(abs(number))
    sign = "-" if number < 0 and total else ""
    if total < HOUR and (total * 10) % MINUTE == 0:  # a tenth of a minute is exactly 6 s
        return f"{sign}{total / MINUTE:g}"
    hours, rest = divmod(total, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    return f"{sign}{hours}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


# ---- dates ----------------------------------------------------------------------------------
# One way to write a day on a page: "2 Nov 2026" (templates: |date:"j M Y", with "H:i" after it for a moment), and a
# period as static/js/charts.js writes a chart's points: "1–30 Nov 2026", "28 Nov – 3 Dec 2026".


def format_date(day: dt.date, *, year: bool = True) -> str:
    """A day as pages write it: "2 Nov 2026" ("2 Nov" without the year)."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def format_period(first: dt.date, last: dt.date) -> str:
    """Days from `first` to `last` (inclusive) in as few words as read unambiguously: "2 Nov 2026", "1–30 Nov 2026",
    "28 Nov – 3 Dec 2026", "28 Dec 2026 – 3 Jan 2027"."""
    if first == last:
        return format_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_date(last)}"
    if first.year == last.year:
        return f"{format_date(first, year=False)} – {format_date(last)}"
    return f"{format_date(first)} – {format_date(last)}"
