"""Coaching reviews as the API shows and takes them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import scoping
from accounts.models import User
from config.api_exceptions import ErrorSerializer
from kpis.api.serializers import DISPLAY_HELP, BoundedDateField, TargetStatusField
from kpis.formatting import format_value
from kpis.models import Statistic, target_comparison_text
from kpis.reviews.export import EXPORT_FORMATS
from kpis.reviews.models import (
    GOAL_KPI_CHOICES,
    PITFALL_NUMBERS,
    Goal,
    Review,
    ReviewAction,
    ReviewEvent,
    ReviewPitfall,
    ReviewStatus,
)


@extend_schema_field({"type": "string", "enum": ReviewStatus.values}, component_name="ReviewStatusEnum")
class ReviewStatusField(serializers.ChoiceField):
    """draft → shared → acknowledged (its own component: tickets have another `status`)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReviewStatus.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": [*dict(GOAL_KPI_CHOICES), ""]}, component_name="GoalKpiEnum")
class GoalKpiField(serializers.ChoiceField):
    """A KPI that takes a target (volume does not), or empty for a goal without a KPI."""

    def __init__(self, **kwargs):
        super().__init__(choices=GOAL_KPI_CHOICES, allow_blank=True, **kwargs)


@extend_schema_field({"type": "string", "enum": ReviewAction.values}, component_name="ReviewActionEnum")
class ReviewActionField(serializers.ChoiceField):
    """What happened to a review: created, edited, goal added, …, shared, acknowledged, amended."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReviewAction.choices, **kwargs)


class GoalSerializer(serializers.ModelSerializer):
    kpi = GoalKpiField(required=False)
    target_value = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-1e12,
        max_value=1e12,
        help_text="On the KPI's scale; durations in seconds (the pages take minutes or h:mm).",
    )
    target_display = serializers.CharField(
        source="target_label",
        read_only=True,
        help_text="The goal as the pages show it: “≤ 5 min 30 s”, “≥ 85.0 %”; empty without a KPI.",
    )
    due_date = BoundedDateField()
    description = serializers.CharField(max_length=10000)

    class Meta:
        model = Goal
        fields = ["id", "kpi", "target_value", "target_display", "due_date", "description", "created_at"]
        read_only_fields = ["id", "target_display", "created_at"]


class PitfallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewPitfall
        fields = ["number", "title", "confirmed", "note", "triggered", "confirmed_at"]
        read_only_fields = fields


class PitfallConfirmSerializer(serializers.Serializer):
    number = serializers.ChoiceField(choices=list(PITFALL_NUMBERS))
    confirmed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


class ReviewKpiSerializer(serializers.Serializer):
    """One KPI of the review's summary: frozen when shared, live from the snapshots for a draft."""

    kpi = serializers.CharField()
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    value_display = serializers.SerializerMethodField(help_text=DISPLAY_HELP)
    numerator = serializers.FloatField()
    denominator = serializers.IntegerField()
    sample_size = serializers.IntegerField()
    low_confidence = serializers.BooleanField()
    target_value = serializers.FloatField(allow_null=True)
    target_display = serializers.SerializerMethodField(
        help_text="The target as the pages show it, naming a median or p90 target: “≥ 80.0 %”, “median ≤ 1 h”."
    )
    target_statistic = serializers.SerializerMethodField(
        help_text="Which figure the target judged: mean, median or p90 (mean in summaries frozen before medians)."
    )
    status = TargetStatusField()
    previous_value = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(
        allow_null=True,
        help_text="Time KPIs: the median of the records' durations in seconds (relative accuracy 1 %); null for "
        "other KPIs and in summaries frozen before distributions were stored.",
    )
    p90_seconds = serializers.FloatField(allow_null=True, help_text="Time KPIs: the 90th percentile, like the median.")
    distribution_count = serializers.IntegerField(
        allow_null=True, help_text="Time KPIs: the records behind the median and p90; null where those are."
    )

    def get_value_display(self, row) -> str:
        return format_value(row.kpi, row.value)

    def get_target_display(self, row) -> str:
        return target_comparison_text(row.kpi, row.target_value, row.target_statistic or Statistic.MEAN)

    def get_target_statistic(self, row) -> str:
        return row.target_statistic or Statistic.MEAN


class ReviewSerializer(serializers.ModelSerializer):
    agent = serializers.IntegerField(source="agent_id", read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    status = ReviewStatusField(read_only=True)
    goals = GoalSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "agent",
            "team",
            "author",
            "period_start",
            "period_end",
            "status",
            "strengths",
            "improvement_areas",
            "notes",
            "goals",
            "created_at",
            "updated_at",
            "shared_at",
            "acknowledged_at",
            "acknowledgement_comment",
        ]
        read_only_fields = fields


class ReviewDetailSerializer(ReviewSerializer):
    pitfalls = PitfallSerializer(many=True, read_only=True)
    kpi_summary = ReviewKpiSerializer(many=True, read_only=True, source="summary")

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "pitfalls", "kpi_summary"]
        read_only_fields = fields


class ReviewWriteSerializer(serializers.Serializer):
    """A draft's editable fields; `agent` only when starting one (an agent of a team the caller leads)."""

    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    period_start = BoundedDateField(required=False)
    period_end = BoundedDateField(required=False, help_text="Inclusive.")
    strengths = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    improvement_areas = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["agent"].queryset = scoping.review_agents_writable(request.user)


class ReviewCreateSerializer(ReviewWriteSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    period_start = BoundedDateField()
    period_end = BoundedDateField(help_text="Inclusive.")
    allow_overlap = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Start the review even if the agent already has reviews (that the caller may read) whose "
        "period shares a day with this one; without it such a request is a 400 listing them in "
        "`overlapping_reviews`.",
    )


class ReviewOverlapSerializer(serializers.ModelSerializer):
    """An existing review of the same agent whose period shares a day with the one being started."""

    author = serializers.IntegerField(source="author_id", read_only=True)
    status = ReviewStatusField(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "period_start", "period_end", "status", "author"]
        read_only_fields = fields


class ReviewCreateErrorSerializer(ErrorSerializer):
    """A refused start: field errors, and the overlapping reviews when the period overlaps (`allow_overlap`)."""

    overlapping_reviews = ReviewOverlapSerializer(
        many=True, required=False, help_text="Present when `errors` has `allow_overlap`: the reviews overlapped."
    )


class AcknowledgeSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=10000, help_text="What the agent takes from the review (required).")


class ReviewQuerySerializer(serializers.Serializer):
    """Filters of the review list and export: team, agent, status, and a period the review intersects."""

    team = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    agent = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class ReviewExportQuerySerializer(ReviewQuerySerializer):
    format = serializers.ChoiceField(choices=list(EXPORT_FORMATS), help_text="csv or xlsx.")


class ReviewEventSerializer(serializers.ModelSerializer):
    """One event of a review's history: who did what, when, from which status to which."""

    actor = serializers.IntegerField(source="actor_id", read_only=True)
    action = ReviewActionField(read_only=True)
    from_status = ReviewStatusField(read_only=True)
    to_status = ReviewStatusField(read_only=True)

    class Meta:
        model = ReviewEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]
        read_only_fields = fields


class ReviewAuditEntrySerializer(serializers.Serializer):
    """One audit-trail row of a review, with the values before and after the change."""

    at = serializers.DateTimeField()
    actor_label = serializers.CharField(help_text="The username of who acted, kept if the user is deleted.")
    action = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class ReviewHistorySerializer(serializers.Serializer):
    """A review's history as the caller may read it: from the share on, unless they wrote the draft (or are
    an admin); `audit` is null for callers who read no audit trail (only HR and admins do)."""

    events = ReviewEventSerializer(many=True, help_text="Oldest first.")
    audit = ReviewAuditEntrySerializer(many=True, allow_null=True, help_text="Newest first; null unless HR or admin.")
