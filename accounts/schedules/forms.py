"""Forms of the schedule pages: they parse what people type; the services check the rules."""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from .models import WEEKDAYS, minute_label

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
WEEK_HELP = "Opening hours as HH:MM-HH:MM, several separated by commas (09:00-12:00, 13:00-17:00); empty: closed."


def parse_intervals(text: str) -> list[tuple[int, int]]:
    """ "09:00-12:00, 13:00-17:00" → [(540, 720), (780, 1020)]; 24:00 closes the day."""
    intervals = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        match = _INTERVAL.match(part)
        if not match:
            raise forms.ValidationError(f"“{part}” is not HH:MM-HH:MM (for example 09:00-17:00).")
        start_hour, start_minute, end_hour, end_minute = (int(group) for group in match.groups())
        for hour, minute in ((start_hour, start_minute), (end_hour, end_minute)):
            if minute > 59 or hour > 24 or (hour == 24 and minute):
                raise forms.ValidationError(f"“{part}”: times run from 00:00 to 24:00.")
        intervals.append((start_hour * 60 + start_minute, end_hour * 60 + end_minute))
    return intervals


def format_intervals(intervals) -> str:
    return ", ".join(f"{minute_label(start)}-{minute_label(end)}" for start, end in intervals)


class WeekForm(forms.Form):
    """One text field per weekday, named monday … sunday (the services' error keys)."""

    def __init__(self, *args, week: dict[int, list[tuple[int, int]]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        week = week or {}
        for number, name in enumerate(WEEKDAYS):
            self.fields[name.lower()] = forms.CharField(
                label=name,
                required=False,
                max_length=200,
                initial=format_intervals(week.get(number, [])),
                help_text=WEEK_HELP if number == 0 else "",
            )

    def clean(self):
        cleaned = super().clean()
        for name in WEEKDAYS:
            field = name.lower()
            if field in cleaned:
                try:
                    cleaned[field] = parse_intervals(cleaned[field])
                except forms.ValidationError as error:
                    self.add_error(field, error)
        return cleaned

    def weekdays(self) -> dict[int, list[tuple[int, int]]]:
        return {number: self.cleaned_data[name.lower()] for number, name in enumerate(WEEKDAYS)}


class HolidayForm(forms.Form):
    date = forms.DateField(widget=DATE_WIDGET, help_text="Closed all day, in the team's time zone.")
    name = forms.CharField(max_length=200)


class HolidayImportForm(forms.Form):
    country = forms.CharField(
        max_length=3, help_text="ISO 3166-1 alpha-2 code, e.g. FR, US, DE (public holidays from the holidays library)."
    )
    subdivision = forms.CharField(max_length=10, required=False, help_text="Optional state or region, e.g. BY, CA.")
    year_from = forms.IntegerField(label="From year", min_value=1970, max_value=2100)
    year_to = forms.IntegerField(label="To year", min_value=1970, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = dt.date.today().year
        self.fields["year_from"].initial = this_year
        self.fields["year_to"].initial = this_year + 1
