"""Teams, users, `/users/me/` and the token endpoint."""

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts import scoping, services
from config.api_exceptions import INVALID_INPUT
from config.api_permissions import ApiViewMixin
from config.api_throttling import ScopedRateThrottle

from .filters import TeamFilter, UserFilter
from .serializers import TeamSerializer, UserSerializer

AUTH_TOKEN = inline_serializer("AuthToken", {"token": serializers.CharField()})


@extend_schema_view(
    list=extend_schema(summary="Teams the caller may see (an agent: their own)", tags=["teams"]),
    retrieve=extend_schema(summary="One team", tags=["teams"]),
)
class TeamViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer
    filterset_class = TeamFilter

    def get_queryset(self):
        return scoping.teams_visible(self.request.user).prefetch_related("leaders").order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Users the caller may see", tags=["users"]),
    retrieve=extend_schema(summary="One user", tags=["users"]),
)
class UserViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    filterset_class = UserFilter

    def get_queryset(self):
        return scoping.users_visible(self.request.user).order_by("username", "pk")

    @extend_schema(summary="The signed-in user", tags=["users"], responses=UserSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def me(self, request):
        return Response(UserSerializer(request.user).data)


class TokenView(ApiViewMixin, ObtainAuthToken):
    """POST a username and password, get the user's API token (created on first use); DELETE revokes it.

    Throttled (its own, stricter rate) and guarded by django-axes like the login page: a locked-out
    username gets no token. A refused attempt is answered (not raised), so that the request's
    transaction commits the failure that django-axes records.
    """

    # Password guessing is throttled per address on top of the anonymous rate (API_THROTTLE_TOKEN).
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        # Exchanging a password needs no sign-in; revoking a token needs the token (or a session).
        return [IsAuthenticated()] if self.request.method == "DELETE" else super().get_permissions()

    @extend_schema(
        summary="Exchange a username and password for an API token",
        description="Send the token as `Authorization: Token <token>` on every later request.",
        tags=["auth"],
        auth=[],
        responses=AUTH_TOKEN,
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            body = {"detail": INVALID_INPUT, "errors": serializer.errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        token = services.token_obtain(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(
        summary="Revoke your API token",
        description="The token stops working at once; get a new one with a password exchange or a rotation.",
        tags=["auth"],
        request=None,
        responses={204: None},
    )
    def delete(self, request, *args, **kwargs):
        services.user_tokens_revoke(user=request.user, actor=request.user, reason="revoked by its owner")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRotateView(ApiViewMixin, APIView):
    """Replace the caller's API token with a new one; the old one stops working at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Rotate your API token",
        description="Answers a new token (shown once); the token used for this call, if any, no longer works.",
        tags=["auth"],
        request=None,
        responses={201: AUTH_TOKEN},
    )
    def post(self, request, *args, **kwargs):
        token = services.token_rotate(user=request.user, actor=request.user)
        return Response({"token": token.key}, status=status.HTTP_201_CREATED)
