"""Quality reviews as the API shows and takes them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import scoping
from accounts.models import Team, User
from kpis.quality.models import (
    OPTIONAL_STRATA,
    Assignment,
    AssignmentItem,
    CalibrationSession,
    Dispute,
    DisputeStatus,
    QualityReview,
    QualityReviewKind,
    QualityReviewStatus,
    QualityScore,
    RatingScale,
    Rubric,
    RubricCategory,
    RubricVersion,
    VersionStatus,
)
from kpis.quality.services import ScoreInput
from tickets.models import Ticket


def _choice_field(choices_class, component_name: str, doc: str):
    """A read-only choice field with its own schema component (`status` means different things here)."""

    @extend_schema_field({"type": "string", "enum": choices_class.values}, component_name=component_name)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices_class.choices, read_only=True, **kwargs)

    Field.__doc__ = doc
    Field.__name__ = component_name
    return Field


VersionStatusField = _choice_field(VersionStatus, "RubricVersionStatusEnum", "draft → published → superseded")
QualityReviewStatusField = _choice_field(
    QualityReviewStatus, "QualityReviewStatusEnum", "draft → submitted (→ superseded)"
)
QualityReviewKindField = _choice_field(QualityReviewKind, "QualityReviewKindEnum", "review, calibration or reference")
DisputeStatusField = _choice_field(DisputeStatus, "DisputeStatusEnum", "open → accepted or rejected")


class ScopedWriteMixin:
    """A serializer whose related fields take only what the caller may name (`scoped`: field → the
    `accounts.scoping` rule giving its queryset for the request's user). Another team's object answers
    "Invalid pk … - object does not exist." exactly as a missing one, and is never named back in an error.
    Without a request in the context (the schema generator) the fields keep their empty querysets."""

    scoped: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        for name, rule in self.scoped.items():
            field = self.fields[name]
            getattr(field, "child_relation", field).queryset = rule(request.user)


class CategorySerializer(serializers.ModelSerializer):
    scale = serializers.ChoiceField(choices=RatingScale.choices)
    points = serializers.IntegerField(read_only=True, help_text="Ratings run 1..points (binary: 1 no, 2 yes).")

    class Meta:
        model = RubricCategory
        fields = [
            "id",
            "position",
            "name",
            "description",
            "weight",
            "scale",
            "points",
            "allows_not_applicable",
            "is_critical",
        ]
        read_only_fields = ["id", "position", "points"]


class RubricVersionSerializer(serializers.ModelSerializer):
    categories = CategorySerializer(many=True, read_only=True)
    status = VersionStatusField()

    class Meta:
        model = RubricVersion
        fields = ["id", "number", "status", "published_at", "categories"]
        read_only_fields = fields


class RubricSerializer(ScopedWriteMixin, serializers.ModelSerializer):
    versions = RubricVersionSerializer(many=True, read_only=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), allow_null=True, required=False)
    scoped = {"team": scoping.rubric_teams_writable}

    class Meta:
        model = Rubric
        fields = ["id", "name", "team", "created_at", "versions"]
        read_only_fields = ["id", "created_at", "versions"]
        validators = []  # uniqueness is the service's (a field error, not a 500)


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityScore
        fields = ["category", "rating", "comment"]


class ScoreInputSerializer(serializers.Serializer):
    category = serializers.IntegerField(min_value=1)
    rating = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, help_text="null: not applicable.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


def scores_input(data: list[dict]) -> dict[int, ScoreInput]:
    return {item["category"]: ScoreInput(rating=item["rating"], comment=item.get("comment", "")) for item in data}


class QualityReviewSerializer(serializers.ModelSerializer):
    scores = ScoreSerializer(many=True, read_only=True)
    score_percent = serializers.FloatField(source="percent", read_only=True, allow_null=True)
    disputed = serializers.SerializerMethodField(help_text="An open dispute: the score may still change.")
    status = QualityReviewStatusField()
    kind = QualityReviewKindField()

    class Meta:
        model = QualityReview
        fields = [
            "id",
            "kind",
            "status",
            "ticket",
            "agent",
            "team",
            "reviewer",
            "rubric_version",
            "work_day",
            "points_earned",
            "points_possible",
            "score_percent",
            "auto_failed",
            "disputed",
            "summary",
            "replaces",
            "calibration",
            "submitted_at",
            "scores",
        ]
        read_only_fields = fields

    def get_disputed(self, review) -> bool:
        if hasattr(review, "open_dispute"):
            return bool(review.open_dispute)
        return review.disputes.filter(status="open").exists()


class QualityReviewWriteSerializer(ScopedWriteMixin, serializers.Serializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.none(), required=False)
    rubric_version = serializers.PrimaryKeyRelatedField(queryset=RubricVersion.objects.none(), required=False)
    scores = ScoreInputSerializer(many=True)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    submit = serializers.BooleanField(default=False, help_text="false: save a draft only the reviewer sees.")
    scoped = {"ticket": scoping.quality_tickets_reviewable, "rubric_version": scoping.rubric_versions_visible}


class AssignmentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssignmentItem
        fields = ["position", "ticket", "agent", "stratum"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    items = AssignmentItemSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "team",
            "week_start",
            "per_agent",
            "strata",
            "seed",
            "parameters",
            "created_by",
            "created_at",
            "items",
        ]
        read_only_fields = fields


class AssignmentDrawSerializer(ScopedWriteMixin, serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none())
    week_start = serializers.DateField(help_text="A Monday.")
    per_agent = serializers.IntegerField(min_value=1, max_value=50)
    strata = serializers.ListField(
        child=serializers.ChoiceField(choices=list(OPTIONAL_STRATA)), required=False, default=list
    )
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**62, default=None)
    scoped = {"team": scoping.teams_managed}


class CalibrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalibrationSession
        fields = ["id", "title", "team", "rubric_version", "tickets", "reviewers", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class CalibrationWriteSerializer(ScopedWriteMixin, serializers.Serializer):
    title = serializers.CharField(max_length=160)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none())
    rubric_version = serializers.PrimaryKeyRelatedField(queryset=RubricVersion.objects.none())
    tickets = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.none(), many=True)
    reviewers = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True)
    scoped = {
        "team": scoping.teams_managed,
        "rubric_version": scoping.rubric_versions_visible,
        "tickets": scoping.calibration_tickets_choosable,
        "reviewers": scoping.calibration_reviewers_choosable,
    }


class CalibrationScoreSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1)
    scores = ScoreInputSerializer(many=True)
    submit = serializers.BooleanField(default=True)


class CategoryAgreementSerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category.pk")
    name = serializers.CharField(source="category.name")
    alpha_ordinal = serializers.FloatField(allow_null=True)
    tickets_all_agree = serializers.IntegerField()
    tickets_compared = serializers.IntegerField()
    largest_range = serializers.IntegerField(allow_null=True)


class CalibrationResultSerializer(serializers.Serializer):
    all_visible = serializers.BooleanField(help_text="false until the caller submitted every ticket (blind).")
    submitted = serializers.IntegerField()
    expected = serializers.IntegerField()
    alpha_interval = serializers.FloatField(allow_null=True, help_text="Krippendorff's alpha on review scores.")
    categories = CategoryAgreementSerializer(many=True)


class DisputeSerializer(serializers.ModelSerializer):
    status = DisputeStatusField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "review",
            "raised_by",
            "reason",
            "status",
            "raised_at",
            "settled_by",
            "settled_at",
            "resolution",
            "rescore",
        ]
        read_only_fields = fields


class DisputeRaiseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10000)


class DisputeAcceptSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True)
    resolution = serializers.CharField(max_length=10000)


class DisputeRejectSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=10000)
