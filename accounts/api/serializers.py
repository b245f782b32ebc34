"""Teams and users as the API shows them."""

from rest_framework import serializers

from accounts.models import Team, User


class TeamSerializer(serializers.ModelSerializer):
    leaders = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="User ids of its leaders.")

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "timezone", "leaders"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    team = serializers.IntegerField(source="team_id", allow_null=True, read_only=True, help_text="An agent's team.")
    is_admin = serializers.BooleanField(source="is_staff", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "role",
            "team",
            "is_admin",
            "is_active",
        ]
        read_only_fields = fields
