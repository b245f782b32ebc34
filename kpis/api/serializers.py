"""KPI definitions, targets, snapshots, scorecards and the recompute request, as the API shows them."""

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import scoping
from accounts.models import Team, User
from kpis.formatting import format_value
from kpis.models import Snapshot, Statistic, Target, TargetStatus, target_comparison_text
from kpis.registry import scales_help_text
from kpis.selectors import OLD_PERIOD_PARAM, PERIOD_PARAM, PERIOD_PRESETS
from tickets.api.records import id_field
from tickets.models import Channel

# A recompute spans at most this many days (a backfill of more runs in several requests).
MAX_RECOMPUTE_DAYS = 400
EARLIEST_DATE, LATEST_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)


class BoundedDateField(serializers.DateField):
    """A calendar date within the years the application works with."""

    default_error_messages = {"range": f"Give a date between {EARLIEST_DATE} and {LATEST_DATE}."}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            self.fail("range")
        return parsed


@extend_schema_field({"type": "string", "enum": TargetStatus.values}, component_name="TargetStatusEnum")
class TargetStatusField(serializers.ChoiceField):
    """A figure's status against its target (an inline enum: ticket statuses are another `status`)."""

    def __init__(self, **kwargs):
        super().__init__(choices=TargetStatus.choices, **kwargs)


class KpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=["percent", "score", "seconds", "count"])
    direction = serializers.ChoiceField(choices=["higher", "lower", "none"], help_text="Which way is better.")
    formula = serializers.CharField()
    numerator_text = serializers.CharField(help_text="What the numerator counts or sums.")
    denominator_text = serializers.CharField(help_text="What the denominator counts.")
    day_field = serializers.CharField(help_text="The timestamp whose local day a record counts on.")
    is_rate = serializers.BooleanField(help_text="Rates carry a 95 % Wilson interval.")
    has_target = serializers.BooleanField()


class TargetSerializer(serializers.ModelSerializer):
    """A target; a leader names only the teams they lead and those teams' agents."""

    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True)
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    value = serializers.FloatField(
        help_text=f"On the KPI's scale, durations in seconds (the pages take minutes or h:mm): {scales_help_text()}"
    )
    stretch = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="The excellent level: on the same scale, and at least (higher is better) or at most "
        "(lower is better) the value.",
    )
    effective_from = BoundedDateField()
    effective_to = BoundedDateField(required=False, allow_null=True, help_text="Inclusive; null means open-ended.")

    class Meta:
        model = Target
        fields = ["id", *Target.EDITABLE_FIELDS, "set_by", "created_at", "updated_at"]
        read_only_fields = ["id", "set_by", "created_at", "updated_at"]
        extra_kwargs = {"rationale": {"max_length": 10000}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            # Only teams and agents the caller manages can be named: others are "does not exist".
            self.fields["team"].queryset = scoping.teams_managed(user)
            self.fields["agent"].queryset = scoping.agents_managed(user)


DISPLAY_HELP = (
    "The value as the pages show it, with its unit: “85.9 %”, “5 min 31 s”, “+38”, “247 tickets”; “—” for no data."
)


class SnapshotSerializer(serializers.ModelSerializer):
    value_display = serializers.SerializerMethodField(help_text=DISPLAY_HELP)
    agent = serializers.IntegerField(source="agent_id", allow_null=True, read_only=True)
    team = serializers.IntegerField(source="team_id", allow_null=True, read_only=True)
    target = serializers.IntegerField(source="target_id", allow_null=True, read_only=True)
    status = TargetStatusField(read_only=True, help_text="Against the target in force that day.")

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "date",
            "kpi",
            "scope",
            "agent",
            "team",
            "channel",
            "value",
            "value_display",
            "numerator",
            "denominator",
            "ci_low",
            "ci_high",
            "low_confidence",
            "target",
            "target_value",
            "stretch_value",
            "status",
            "definitions_version",
            "computed_at",
        ]
        read_only_fields = fields

    def get_value_display(self, snapshot: Snapshot) -> str:
        return format_value(snapshot.kpi, snapshot.value)


class KpiFigureSerializer(serializers.Serializer):
    """One KPI over the period: value (percentages 0–100, durations in seconds) and its context."""

    code = serializers.CharField()
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    direction = serializers.CharField(source="kpi.direction")
    value = serializers.FloatField(allow_null=True, help_text="null: no data.")
    value_display = serializers.SerializerMethodField(help_text=DISPLAY_HELP)
    numerator = serializers.FloatField()
    denominator = serializers.IntegerField()
    sample_size = serializers.IntegerField(help_text="Records behind the figure (IQS: reviews, not points).")
    low_confidence = serializers.BooleanField(help_text="From fewer than KPI_MIN_SAMPLE records.")
    disputed = serializers.IntegerField(
        help_text="IQS: its reviews under an open dispute (the figure may change when they are settled); else 0."
    )
    ci_low = serializers.FloatField(
        allow_null=True, help_text="95 % interval, 0–100: Wilson for rates; IQS: the ratio estimator's."
    )
    ci_high = serializers.FloatField(allow_null=True)
    target = serializers.IntegerField(source="target.pk", allow_null=True, default=None, help_text="Target id.")
    target_value = serializers.FloatField(allow_null=True)
    stretch_value = serializers.FloatField(allow_null=True)
    target_display = serializers.SerializerMethodField(
        help_text="The target as the pages show it, naming a median or p90 target: “≥ 80.0 %”, “≤ 5 min 30 s”, "
        "“median ≤ 1 h”; empty without a target."
    )
    target_statistic = serializers.SerializerMethodField(
        help_text="Which figure the target judges: the mean (`value`), or `median_seconds` / `p90_seconds`; "
        "null without a target."
    )
    status = TargetStatusField(
        help_text="Against the target in force on the period's last day, on the target's statistic (mean, median "
        "or p90)."
    )
    median_seconds = serializers.FloatField(
        source="median",
        allow_null=True,
        help_text="Time KPIs: the median of the records' durations in seconds, merged from the daily "
        "distributions (relative accuracy 1 %); null for other KPIs or without records.",
    )
    p90_seconds = serializers.FloatField(
        source="p90",
        allow_null=True,
        help_text="Time KPIs: the 90th percentile of the records' durations in seconds, like `median_seconds`.",
    )
    distribution_count = serializers.IntegerField(
        help_text="Time KPIs: the records behind `median_seconds` and `p90_seconds`; 0 for other KPIs."
    )
    quantiles_note = serializers.CharField(
        help_text="Why a time KPI's `median_seconds` and `p90_seconds` are null although it has records: they are "
        "kept per agent over all channels, so an agent's scorecard filtered to one channel has none (ask without "
        "`channel`). Empty otherwise."
    )
    previous_value = serializers.FloatField(allow_null=True, help_text="The previous period of equal length.")
    change = serializers.FloatField(allow_null=True)
    trend = serializers.ChoiceField(choices=["better", "worse", "flat", "up", "down"], allow_null=True)

    def get_value_display(self, figure) -> str:
        return format_value(figure.kpi, figure.value)

    # An inline enum: the targets' own `statistic` is the StatisticEnum component.
    @extend_schema_field({"type": "string", "enum": Statistic.values, "nullable": True})
    def get_target_statistic(self, figure) -> str | None:
        return figure.target.statistic if figure.target else None

    def get_target_display(self, figure) -> str:
        statistic = figure.target.statistic if figure.target else Statistic.MEAN
        return target_comparison_text(figure.code, figure.target_value, statistic)


class ScorecardSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text="agent or team")
    subject = serializers.IntegerField(help_text="The agent's or the team's id.")
    subject_name = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    channel = serializers.CharField(help_text="Empty: all channels.")
    kpis = KpiFigureSerializer(many=True)


class ScorecardQuerySerializer(serializers.Serializer):
    """The period and channel of a scorecard (a custom range wins over a preset).

    `preset=`, the pages' name for `period=` before the two were made one, is refused with a field
    error rather than ignored: ignored, it would silently answer for the default 30 days.
    """

    period = serializers.ChoiceField(
        choices=list(PERIOD_PRESETS),
        required=False,
        help_text="Default: 30d. `custom` (or any date_from/date_to) reads date_from and date_to.",
    )
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, help_text="Default: all channels.")

    def validate(self, attrs):
        if OLD_PERIOD_PARAM in self.initial_data:
            raise serializers.ValidationError(
                {OLD_PERIOD_PARAM: [f"Unknown parameter: choose the period with `{PERIOD_PARAM}=`."]}
            )
        return attrs


class RecomputeSerializer(serializers.Serializer):
    date_from = BoundedDateField()
    date_to = BoundedDateField()
    team_ids = serializers.ListField(
        child=id_field(), required=False, allow_null=True, max_length=1000, help_text="Default: every team."
    )

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": ["The end date is before the start date."]})
        if (attrs["date_to"] - attrs["date_from"]).days + 1 > MAX_RECOMPUTE_DAYS:
            raise serializers.ValidationError(
                {"date_to": [f"Recompute at most {MAX_RECOMPUTE_DAYS} days per request."]}
            )
        team_ids = attrs.get("team_ids")
        if team_ids:
            known = set(Team.objects.filter(pk__in=team_ids).values_list("pk", flat=True))
            missing = [team_id for team_id in team_ids if team_id not in known]
            if missing:
                raise serializers.ValidationError({"team_ids": [f"No team with id {missing[0]}."]})
        return attrs


class RecomputeAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    team_ids = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
