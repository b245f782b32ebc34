"""Forms of the KPI pages: the period picker, the drill-down filters, targets and pitfall notes."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import scoping
from tickets.models import Channel

from .formatting import (
    duration_input_text,
    is_duration,
    kpi_of,
    parse_duration_input,
    scale_error,
    value_input_help_text,
)
from .models import Scope, Statistic, Target
from .registry import KPIS
from .selectors import DEFAULT_PRESET, PERIOD_PARAM, PERIOD_PRESETS, Period, period_from_params


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(forms.Form):
    """A preset (last 7/30/90 days, this month) or a custom range; errors sit on their fields.

    The query string names the preset `period` (`custom` with `date_from`/`date_to`), as the API does.
    Always usable: with bad input the form falls back to the default preset and keeps the errors to
    show next to the fields.
    """

    period = forms.ChoiceField(label="Period", choices=list(PERIOD_PRESETS.items()), required=False)
    date_from = forms.CharField(label="From", required=False, widget=DateInput)
    date_to = forms.CharField(label="To", required=False, widget=DateInput)

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.period, self.preset = period_from_params(preset=DEFAULT_PRESET, today=self.today)

    def clean(self):
        cleaned = super().clean()
        if PERIOD_PARAM in self.errors:
            return cleaned
        preset = cleaned.get(PERIOD_PARAM) or None
        dates = {}
        if preset in (None, "custom"):
            dates = {"date_from": cleaned.get("date_from") or None, "date_to": cleaned.get("date_to") or None}
            if preset == "custom" and not (dates["date_from"] or dates["date_to"]):
                dates = {"date_from": "", "date_to": ""}
        try:
            self.period, self.preset = period_from_params(preset=preset, today=self.today, **dates)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
        return cleaned

    def resolve(self) -> tuple[Period, str]:
        """The period to show: the one asked for, or the default one when the input is wrong."""
        if not self.is_valid():
            self.period, self.preset = period_from_params(preset=DEFAULT_PRESET, today=self.today)
        return self.period, self.preset

    def query(self) -> str:
        """The query string that selects this period again (links keep the period)."""
        params = {PERIOD_PARAM: self.preset}
        if self.preset == "custom":
            params |= {"date_from": self.period.date_from.isoformat(), "date_to": self.period.date_to.isoformat()}
        return urlencode(params)

    def preset_links(self) -> list[tuple[str, str, bool]]:
        """(query, label, current) for each preset but custom."""
        return [
            (urlencode({PERIOD_PARAM: code}), label, code == self.preset)
            for code, label in PERIOD_PRESETS.items()
            if code != "custom"
        ]


# The statistic a dashboard's grid and trends show for time KPIs (`stat=mean|median|p90`), kept with the period:
# a link (no JavaScript), read by `grid_statistic`; anything else reads as the mean.
STATISTIC_PARAM = "stat"


def grid_statistic(params) -> str:
    """The statistic asked for in `params` (a QueryDict): median or p90, else the mean."""
    value = params.get(STATISTIC_PARAM) or ""
    return value if value in Statistic.values else Statistic.MEAN


def statistic_query(statistic: str) -> str:
    """What the period's links append to keep the statistic ("&stat=median"); nothing for the mean."""
    return "" if statistic == Statistic.MEAN else f"&{urlencode({STATISTIC_PARAM: statistic})}"


def statistic_links(period_query: str, current: str) -> list[tuple[str, str, bool]]:
    """(query, label, current) for each statistic, the period kept."""
    return [
        (f"{period_query}&{urlencode({STATISTIC_PARAM: value})}", label, value == current)
        for value, label in Statistic.choices
    ]


class RecordsForm(PeriodForm):
    """The drill-down list: a period plus an optional channel and ticket category."""

    channel = forms.ChoiceField(label="Channel", choices=[("", "All channels"), *Channel.choices], required=False)
    category = forms.CharField(label="Category", required=False, max_length=100)

    def query(self) -> str:
        params = super().query()
        extra = {name: self.cleaned_data.get(name) for name in ("channel", "category")}
        extra = {name: value for name, value in extra.items() if value}
        return f"{params}&{urlencode(extra)}" if extra else params


def value_input_field(label: str, *, required: bool) -> forms.CharField:
    """A target or goal value as typed: a number, or for a duration minutes or h:mm (read in `KpiValueInput`)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class KpiValueInput:
    """Reads the value fields of a form whose KPI is chosen in field `kpi_field`: numbers on the KPI's
    scale, durations typed as minutes ("5.5") or h:mm ("1:30") and kept in seconds.

    A stored value given as a number (the edit page binds the saved target) is seconds already: it is
    shown back in the typed form ("5.5"), and read again as such.
    """

    kpi_field = "kpi"
    value_fields: tuple[str, ...] = ()

    def show_durations_as_typed(self) -> None:
        """Stored seconds in the bound data or the initial values become the text a person types."""
        code = self.data.get(self.add_prefix(self.kpi_field)) if self.is_bound else None
        if code in KPIS and is_duration(code):
            stored = {self.add_prefix(n): self.data.get(self.add_prefix(n)) for n in self.value_fields}
            stored = {k: v for k, v in stored.items() if isinstance(v, int | float) and not isinstance(v, bool)}
            if stored:
                self.data = self.data.copy()
                for key, value in stored.items():
                    self.data[key] = duration_input_text(value)
        instance = getattr(self, "instance", None)
        code = getattr(instance, self.kpi_field, None) if instance is not None and instance.pk else None
        if not self.is_bound and code in KPIS and is_duration(code):
            for name in self.value_fields:
                self.initial[name] = duration_input_text(getattr(instance, name, None))

    def _update_errors(self, errors):
        # A value the form already refused is not also "missing" for the model: one mistake, one message.
        if hasattr(errors, "error_dict"):
            for name in self.value_fields:
                if name in self._errors:
                    errors.error_dict.pop(name, None)
        super()._update_errors(errors)

    def read_values(self, cleaned: dict) -> None:
        """Each value field's text as seconds (durations) or a number; a field error for anything else."""
        code = cleaned.get(self.kpi_field) or None
        for name in self.value_fields:
            if name not in cleaned:  # already refused by its field (required, too long)
                continue
            text = (cleaned[name] or "").strip()
            if not text:
                cleaned[name] = None
                continue
            if code in KPIS and is_duration(code):
                try:
                    seconds = parse_duration_input(text)
                except ValueError as error:
                    self.add_error(name, str(error))
                    continue
                if not kpi_of(code).on_scale(seconds):
                    self.add_error(name, scale_error(code))
                    continue
                cleaned[name] = seconds
            else:
                try:
                    cleaned[name] = forms.FloatField().clean(text)
                except ValidationError as error:
                    self.add_error(name, error)


class TargetForm(KpiValueInput, forms.ModelForm):
    """A target for a KPI, limited to the teams, agents and scopes the user may set targets for."""

    value_fields = ("value", "stretch")
    value = value_input_field("Target value", required=True)
    stretch = value_input_field("Stretch (excellent)", required=False)

    class Meta:
        model = Target
        fields = list(Target.EDITABLE_FIELDS)
        widgets = {
            "effective_from": DateInput,
            "effective_to": DateInput,
            "rationale": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "kpi": "KPI",
            "statistic": "Statistic",
            "scope": "For",
            "value": "Target value",
            "stretch": "Stretch (excellent)",
        }
        help_texts = {
            "team": "For a team target.",
            "agent": "For an agent target.",
            "channel": "Leave on all channels unless the target is for one channel only.",
            "statistic": "The mean, or for a time KPI (handling, first response, resolution) its median or 90th "
            "percentile: half, or nine in ten, of the records within the target.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kpi"].choices = [(code, kpi.name) for code, kpi in KPIS.items() if kpi.has_target]
        # Left out (an older form or link), a target is on the mean; a median or p90 on a KPI without a
        # distribution is the model's field error (`kpis.models.statistic_error`).
        self.fields["statistic"].required = False
        scopes = [(Scope.TEAM, "A team"), (Scope.AGENT, "An agent")]
        if scoping.is_admin(user):
            scopes.insert(0, (Scope.ORG, "The whole organisation"))
        self.fields["scope"].choices = scopes
        self.fields["team"].queryset = scoping.teams_managed(user)
        self.fields["team"].empty_label = "—"
        self.fields["agent"].queryset = scoping.agents_managed(user).select_related("team")
        self.fields["agent"].empty_label = "—"
        self.fields["agent"].label_from_instance = lambda agent: f"{agent} ({agent.team})"
        self.fields["rationale"].help_text = "The business objective this target serves (pitfall 3 if empty)."
        self.fields["value"].help_text = value_input_help_text()
        self.fields["stretch"].help_text = "The excellent level, beyond the target; typed like the target value."
        self.show_durations_as_typed()

    def clean(self):
        cleaned = super().clean()
        self.read_values(cleaned)
        if "statistic" in cleaned and not cleaned["statistic"]:
            cleaned["statistic"] = Statistic.MEAN
        # Only the subject of the chosen scope counts: a team left selected for an agent target is dropped.
        scope = cleaned.get("scope")
        if scope == Scope.TEAM:
            cleaned["agent"] = None
        elif scope == Scope.AGENT:
            cleaned["team"] = None
        elif scope == Scope.ORG:
            cleaned["team"] = cleaned["agent"] = None
        return cleaned

    def subject(self):
        """(scope, subject) of the target as entered, or None when not yet known."""
        scope = self.cleaned_data.get("scope") if hasattr(self, "cleaned_data") else None
        if scope == Scope.ORG:
            return scope, None
        if scope == Scope.TEAM and self.cleaned_data.get("team"):
            return scope, self.cleaned_data["team"]
        if scope == Scope.AGENT and self.cleaned_data.get("agent"):
            return scope, self.cleaned_data["agent"]
        return None


class PitfallConfirmForm(forms.Form):
    """A leader's note confirming one pitfall of a team's targets."""

    number = forms.TypedChoiceField(choices=[(n, n) for n in range(1, 6)], coerce=int, widget=forms.HiddenInput)
    note = forms.CharField(
        label="Your note",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="What you checked and what you decided.",
        error_messages={"required": "Write what you checked and decided."},
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError("Write what you checked and decided.")
        return note
