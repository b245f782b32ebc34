"""The one DRF router under /api/v1/, and the token endpoint."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api.views import TeamViewSet, TokenRotateView, TokenView, UserViewSet
from kpis.api.views import (
    AgentScorecardViewSet,
    KpiViewSet,
    SnapshotViewSet,
    TargetViewSet,
    TeamScorecardViewSet,
)
from kpis.outcomes.api import OutcomesView
from kpis.quality.api.views import (
    AssignmentViewSet,
    CalibrationViewSet,
    DisputeViewSet,
    QualityReviewViewSet,
    RubricViewSet,
)
from kpis.reviews.api.views import ReviewViewSet
from surveys.api.views import SurveyResponseViewSet
from tickets.api.views import TicketViewSet
from tickets.customers.api.views import CustomerViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")
router.register("customers", CustomerViewSet, basename="customer")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("targets", TargetViewSet, basename="target")
router.register("snapshots", SnapshotViewSet, basename="snapshot")
router.register("scorecards/agent", AgentScorecardViewSet, basename="scorecard-agent")
router.register("scorecards/team", TeamScorecardViewSet, basename="scorecard-team")
router.register("reviews", ReviewViewSet, basename="review")
router.register("quality/rubrics", RubricViewSet, basename="quality-rubric")
router.register("quality/reviews", QualityReviewViewSet, basename="quality-review")
router.register("quality/assignments", AssignmentViewSet, basename="quality-assignment")
router.register("quality/calibrations", CalibrationViewSet, basename="quality-calibration")
router.register("quality/disputes", DisputeViewSet, basename="quality-dispute")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/token/rotate/", TokenRotateView.as_view(), name="auth-token-rotate"),
    path("outcomes/", OutcomesView.as_view(), name="outcomes"),
    *router.urls,
]
