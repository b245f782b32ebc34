"""Forms of the review pages: thin, the services validate the rules; labels and help for screen readers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts import scoping
from accounts.models import Team, User
from kpis.formatting import value_input_help_text
from kpis.forms import KpiValueInput, value_input_field

from .models import GOAL_KPI_CHOICES, PITFALL_NUMBERS, Goal, Review, ReviewStatus
from .selectors import reviews_overlapping

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The previous calendar month: the usual span of a monthly coaching review."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


class ReviewStartForm(forms.Form):
    agent = forms.ModelChoiceField(label="Agent", queryset=User.objects.none())
    period_start = forms.DateField(label="Period start", widget=DATE_WIDGET)
    period_end = forms.DateField(label="Period end", widget=DATE_WIDGET, help_text="Inclusive.")
    # Shown only beside the list of overlapping reviews (`overlapping`): a second review of the same days is
    # usually a mistake (two drafts for one month), sometimes meant (a mid-month check-in).
    allow_overlap = forms.BooleanField(label="Create another review anyway", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.overlapping: list[Review] = []
        self.fields["agent"].queryset = scoping.review_agents_writable(user).select_related("team")

    def clean(self):
        cleaned = super().clean()
        agent, start, end = cleaned.get("agent"), cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        elif agent and start and end:
            self.overlapping = list(
                reviews_overlapping(viewer=self.user, agent=agent, period_start=start, period_end=end)
            )
            if self.overlapping and not cleaned.get("allow_overlap"):
                count = len(self.overlapping)
                self.add_error(
                    "allow_overlap",
                    f"{agent} already has {count} review{pluralize(count)} overlapping this period. "
                    "Change the period, or tick this box to start another one.",
                )
        return cleaned

    def start_fields(self) -> dict:
        """What `review_create` takes (the confirmation is the form's own)."""
        return {name: self.cleaned_data[name] for name in ("agent", "period_start", "period_end")}


class ReviewTextForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["period_start", "period_end", "strengths", "improvement_areas", "notes"]
        widgets = {
            "period_start": DATE_WIDGET,
            "period_end": DATE_WIDGET,
            "strengths": forms.Textarea(attrs={"rows": 4}),
            "improvement_areas": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class GoalForm(KpiValueInput, forms.ModelForm):
    value_fields = ("target_value",)
    target_value = value_input_field("Target value", required=False)
    kpi = forms.ChoiceField(
        label="KPI",
        required=False,
        choices=[("", "— no KPI —"), *GOAL_KPI_CHOICES],
        help_text="A goal with a KPI and a target value is tracked automatically.",
    )

    class Meta:
        model = Goal
        fields = ["kpi", "target_value", "due_date", "description"]
        widgets = {
            "due_date": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "goal")
        super().__init__(*args, **kwargs)
        self.fields["target_value"].help_text = value_input_help_text()
        self.show_durations_as_typed()

    def clean(self):
        cleaned = super().clean()
        self.read_values(cleaned)
        return cleaned


class PitfallsForm(forms.Form):
    """One checkbox and one note per pitfall, named confirmed_<n> / note_<n>."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            n = item.number
            self.fields[f"confirmed_{n}"] = forms.BooleanField(
                label=f"I have checked pitfall {n}: {item.title}", required=False, initial=item.record.confirmed
            )
            self.fields[f"note_{n}"] = forms.CharField(
                label=f"Note on pitfall {n}",
                required=False,
                initial=item.record.note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> list[tuple[int, bool, str]]:
        return [(n, self.cleaned_data[f"confirmed_{n}"], self.cleaned_data[f"note_{n}"]) for n in PITFALL_NUMBERS]

    def rows(self):
        """(item, checkbox field, note field) for the template."""
        return [(item, self[f"confirmed_{item.number}"], self[f"note_{item.number}"]) for item in self.items]


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: what you take from this review, or what you see differently.",
    )


class AmendForm(forms.Form):
    text = forms.CharField(
        label="Amendment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The shared review stays as it was; this correction is recorded beside it.",
    )


class ReviewFilterForm(forms.Form):
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), required=False, empty_label="All teams")
    agent = forms.ModelChoiceField(
        label="Agent", queryset=User.objects.none(), required=False, empty_label="All agents"
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *ReviewStatus.choices])
    date_from = forms.DateField(label="Period from", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="Period to", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoping.teams_with_detail(user)
        self.fields["agent"].queryset = scoping.agents_visible(user).select_related("team")
        if not scoping.sees_team_pages(user):  # an agent's list is their own reviews
            del self.fields["team"]
            del self.fields["agent"]
        if not scoping.manages_teams(user):  # only writers have drafts
            self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] != ReviewStatus.DRAFT]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) or None for name in ("team", "agent", "status", "date_from", "date_to")}
