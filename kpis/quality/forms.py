"""Forms of the quality pages: thin, the services validate the rules; labels and help for screen readers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts import scoping
from accounts.models import Role, Team, User
from tickets.models import SOLVED_STATUSES

from .models import OPTIONAL_STRATA, RubricCategory, RubricVersion, Stratum, VersionStatus
from .sampling import week_start_of
from .services import ScoreInput

NOT_APPLICABLE = "na"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScoreForm(forms.Form):
    """One rating (or N/A, or — in a draft — not rated yet) and one comment per category of a version."""

    summary = forms.CharField(
        label="Overall comment for the agent", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, categories: list[RubricCategory], initial_scores=None, with_summary=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        initial_scores = initial_scores or {}
        if not with_summary:
            del self.fields["summary"]
        for category in self.categories:
            choices = [("", "— not rated —")]
            if category.allows_not_applicable:
                choices.append((NOT_APPLICABLE, "Not applicable"))
            choices += [(str(value), label) for value, label in category.rating_choices()]
            score = initial_scores.get(category.pk)
            initial = "" if score is None else (NOT_APPLICABLE if score.rating is None else str(score.rating))
            help_bits = [f"weight {category.weight}"]
            if category.is_critical:
                help_bits.append("critical: its lowest rating fails the whole review")
            if category.description:
                help_bits.append(category.description)
            self.fields[f"rating_{category.pk}"] = forms.ChoiceField(
                label=category.name, choices=choices, required=False, initial=initial, help_text=" · ".join(help_bits)
            )
            self.fields[f"comment_{category.pk}"] = forms.CharField(
                label=f"Comment on {category.name}",
                required=False,
                initial=score.comment if score is not None else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def scores(self) -> dict[int, ScoreInput]:
        """{category id: ScoreInput} of the categories rated or marked N/A (not rated ones are left out)."""
        result = {}
        for category in self.categories:
            value = self.cleaned_data.get(f"rating_{category.pk}") or ""
            if value == "":
                continue
            rating = None if value == NOT_APPLICABLE else int(value)
            result[category.pk] = ScoreInput(rating=rating, comment=self.cleaned_data.get(f"comment_{category.pk}", ""))
        return result

    def rows(self):
        return [(c, self[f"rating_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.categories]


class RubricForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="Org-wide (admins)"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoping.rubric_teams_writable(user)
        if not scoping.is_admin(user):
            self.fields["team"].required = True
            self.fields["team"].empty_label = None


class CategoryForm(forms.ModelForm):
    class Meta:
        model = RubricCategory
        fields = ["name", "weight", "scale", "allows_not_applicable", "is_critical", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "category")
        super().__init__(*args, **kwargs)


class ReviewStartForm(forms.Form):
    """Which published rubric version to score a ticket against."""

    rubric_version = forms.ModelChoiceField(label="Rubric", queryset=RubricVersion.objects.none(), empty_label=None)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric_version"].queryset = (
            RubricVersion.objects.filter(status=VersionStatus.PUBLISHED, rubric__team__in=[team])
            | RubricVersion.objects.filter(status=VersionStatus.PUBLISHED, rubric__team__isnull=True)
        ).select_related("rubric")


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label="Why do you dispute this score?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A leader other than the reviewer reads it and re-scores or explains why the score stands.",
    )


class RejectForm(forms.Form):
    resolution = forms.CharField(label="Why the score stands", widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(ScoreForm):
    resolution = forms.CharField(label="Why the score changes", widget=forms.Textarea(attrs={"rows": 3}))


def default_week_start(today: dt.date | None = None) -> dt.date:
    """Last week's Monday: the last complete week."""
    return week_start_of(today or timezone.localdate()) - dt.timedelta(days=7)


class AssignmentDrawForm(forms.Form):
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), empty_label=None)
    week_start = forms.DateField(label="Week starting (Monday)", widget=DATE_WIDGET)
    per_agent = forms.IntegerField(label="Tickets per agent", min_value=1, max_value=50, initial=3)
    strata = forms.MultipleChoiceField(
        label="Draw one ticket first from each of",
        choices=[(s, Stratum(s).label) for s in OPTIONAL_STRATA],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The rest is drawn at random from the agent's solved tickets of the week.",
    )
    seed = forms.IntegerField(
        label="Seed", required=False, min_value=0, help_text="Leave empty for a fresh random seed (recorded)."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scoping.teams_managed(user)
        self.fields["week_start"].initial = default_week_start()

    def clean_week_start(self):
        value = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError("A week starts on a Monday.")
        return value


class CalibrationForm(forms.Form):
    title = forms.CharField(label="Title", max_length=160)
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), empty_label=None)
    rubric_version = forms.ModelChoiceField(label="Rubric", queryset=RubricVersion.objects.none(), empty_label=None)
    tickets = forms.CharField(
        label="Tickets", help_text="Helpdesk ids of solved tickets of the team, separated by commas or spaces."
    )
    reviewers = forms.ModelMultipleChoiceField(
        label="Reviewers", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, help_text="Two or more."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = scoping.teams_managed(user)
        self.fields["team"].queryset = teams
        # Only rubrics the session may use (the team's own or org-wide), never another team's names.
        self.fields["rubric_version"].queryset = (
            RubricVersion.objects.filter(status=VersionStatus.PUBLISHED)
            .filter(Q(rubric__team__in=teams) | Q(rubric__team__isnull=True))
            .select_related("rubric")
        )
        self.user = user
        self.fields["reviewers"].queryset = scoping.calibration_reviewers_choosable(user)

    def clean_tickets(self):
        ids = [part for part in self.cleaned_data["tickets"].replace(",", " ").split() if part]
        # Looked up in the user's teams only: another team's ticket reads as unknown, like a missing one.
        choosable = scoping.calibration_tickets_choosable(self.user)
        solved = choosable.filter(external_id__in=ids, status__in=SOLVED_STATUSES)
        tickets = {t.external_id: t for t in solved}
        missing = [i for i in ids if i not in tickets]
        if missing:
            raise forms.ValidationError(f"No solved ticket with id {', '.join(missing)}.")
        return [tickets[i] for i in dict.fromkeys(ids)]


class ReviewerGrantForm(forms.Form):
    user = forms.ModelChoiceField(label="Give the reviewer role to", queryset=User.objects.none())

    def __init__(self, *args, team: Team, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Q(pk__in=scoping.users_visible(user).values("pk")) | Q(role=Role.LEADER)
        self.fields["user"].queryset = (
            User.objects.filter(candidates, is_active=True)
            .exclude(role=Role.HR)
            .exclude(reviewer_roles__team=team)
            .exclude(led_teams=team)
        )
