"""Authentication, error bodies, pagination, throttling, filters, scorecard figures, targets and recompute."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from kpis.models import Scope, Snapshot, Target
from tests.api.conftest import snapshot
from tests.factories import TicketFactory
from tickets.models import Ticket

# ---- authentication ----------------------------------------------------------------------


def test_a_token_is_exchanged_for_a_username_and_password_and_then_used(agent):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pass-word-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    again = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pass-word-123"}, format="json")
    assert again.json()["token"] == token  # one token per user
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/")
    assert me.status_code == 200 and me.json()["username"] == "alice"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    refused = client.get("/api/v1/users/me/")
    assert refused.status_code == 401 and refused.json() == {"detail": "Invalid token."}


def test_a_wrong_password_is_a_400_with_an_error_body(agent):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input; nothing was written.",
        "errors": {"non_field_errors": ["Unable to log in with provided credentials."]},
    }


def test_session_authentication_works_too(client, agent, outside_agent):
    client.force_login(agent)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get(f"/api/v1/users/{outside_agent.pk}/").status_code == 404


# ---- error bodies, pagination, throttling ---------------------------------------------------


def test_errors_share_one_body_shape(api, admin_user, agent):
    client = api(admin_user)
    assert client.get("/api/v1/tickets/999999/").json() == {"detail": "No Ticket matches the given query."}
    assert client.delete(f"/api/v1/users/{agent.pk}/").json() == {"detail": 'Method "DELETE" not allowed.'}
    bad_filter = client.get("/api/v1/tickets/", {"channel": "fax"})
    assert bad_filter.status_code == 400
    assert bad_filter.json() == {
        "detail": "Invalid input; nothing was written.",
        "errors": {"channel": ["Select a valid choice. fax is not one of the available choices."]},
    }
    assert api(None).get("/api/v1/tickets/").json() == {"detail": "Authentication credentials were not provided."}


def test_pages_are_bounded(api, admin_user, agent):
    client = api(admin_user)
    records = [
        {"external_id": f"P-{i}", "channel": "chat", "agent": agent.pk, "created_at": "2026-03-02T09:00:00Z"}
        for i in range(502)
    ]
    assert client.post("/api/v1/tickets/bulk/", {"records": records}, format="json").status_code == 200
    default = client.get("/api/v1/tickets/").json()
    assert (default["count"], len(default["results"])) == (502, 50)
    largest = client.get("/api/v1/tickets/", {"page_size": 10_000}).json()
    assert len(largest["results"]) == 500 and largest["next"] is not None
    last = client.get("/api/v1/tickets/", {"page_size": 500, "page": 2}).json()
    assert len(last["results"]) == 2
    ids = {row["id"] for row in largest["results"]} | {row["id"] for row in last["results"]}
    assert len(ids) == 502  # a stable order: no ticket twice, none missed
    assert client.get("/api/v1/tickets/", {"page": 99}).status_code == 404


def test_anonymous_callers_are_throttled(agent, monkeypatch):
    # The token endpoint is the one anonymous callers reach: its throttle slows password guessing.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute", "token": "1000/minute"}
    )
    client = APIClient(REMOTE_ADDR="127.0.0.77")
    cache.delete("throttle_anon_127.0.0.77")
    guess = {"username": "alice", "password": "guess"}
    try:
        statuses = [client.post("/api/v1/auth/token/", guess, format="json").status_code for _ in range(3)]
        assert statuses == [400, 400, 429]
        throttled = client.post("/api/v1/auth/token/", guess, format="json")
        assert throttled.json()["detail"].startswith("Request was throttled.")
        assert int(throttled["Retry-After"]) > 0
    finally:
        cache.delete("throttle_anon_127.0.0.77")


def test_signed_in_callers_are_throttled(monkeypatch, agent):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "2/minute", "token": "1000/minute"}
    )
    key = f"throttle_user_{agent.pk}"
    cache.delete(key)
    client = APIClient()
    client.force_authenticate(agent)
    try:
        assert [client.get("/api/v1/kpis/").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        cache.delete(key)


# ---- filters -----------------------------------------------------------------------------


def test_users_filter_by_role_and_team(world, api):
    client = api(world.users["hanna"])
    agents = client.get("/api/v1/users/", {"role": "agent", "team": world.teams["falcons"].pk}).json()["results"]
    assert sorted(u["id"] for u in agents) == sorted([world.users["alice"].pk, world.users["bob"].pk])
    leaders = client.get("/api/v1/users/", {"role": "leader"}).json()["results"]
    assert sorted(u["username"] for u in leaders) == ["lena", "otto"]


def test_tickets_filter_by_channel_team_and_time(world, api):
    client = api(world.users["root"])
    chat = TicketFactory(external_id="CHAT", channel="chat", agent=world.users["alice"])
    rows = client.get("/api/v1/tickets/", {"channel": "chat"}).json()["results"]
    assert [row["id"] for row in rows] == [chat.pk]
    owls = client.get("/api/v1/tickets/", {"team": world.teams["owls"].pk}).json()["results"]
    assert [row["id"] for row in owls] == [world.tickets["carol"].pk]
    early = TicketFactory(
        external_id="EARLY", agent=world.users["bob"], created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    )
    january = client.get(
        "/api/v1/tickets/", {"created_from": "2026-01-01T00:00:00Z", "created_to": "2026-02-01T00:00:00Z"}
    ).json()["results"]
    assert [row["id"] for row in january] == [early.pk]


def test_snapshots_filter_by_kpi_scope_channel_and_dates(world, api):
    client = api(world.users["root"])
    alice, falcons = world.users["alice"], world.teams["falcons"]
    chat = Snapshot.objects.create(
        date=dt.date(2026, 3, 3),
        kpi="csat",
        scope=Scope.AGENT,
        agent=alice,
        team=falcons,
        channel="chat",
        value=50,
        numerator=1,
        denominator=2,
        status="no_target",
        definitions_version=1,
        computed_at=timezone.now(),
    )
    aht = snapshot(Scope.TEAM, team=falcons, kpi="aht")

    def ids(**params):
        return sorted(row["id"] for row in client.get("/api/v1/snapshots/", params).json()["results"])

    assert ids(scope="agent", agent=alice.pk) == sorted([world.snapshots["alice"].pk, chat.pk])
    assert ids(scope="agent", agent=alice.pk, channel="all") == [world.snapshots["alice"].pk]
    assert ids(channel="chat") == [chat.pk]
    assert ids(kpi="aht") == [aht.pk]
    assert ids(date_from="2026-03-03", date_to="2026-03-03") == [chat.pk]
    assert ids(scope="org") == [world.snapshots["org"].pk]


# ---- scorecards --------------------------------------------------------------------------


def test_an_agent_scorecard_rolls_up_numerators_and_denominators(world, api):
    alice, falcons = world.users["alice"], world.teams["falcons"]
    Snapshot.objects.all().delete()
    for day, numerator, denominator in [(dt.date(2026, 3, 1), 9, 10), (dt.date(2026, 3, 2), 3, 5)]:
        snapshot(Scope.AGENT, team=falcons, agent=alice, date=day, numerator=numerator, denominator=denominator)
    snapshot(Scope.AGENT, team=falcons, agent=alice, date=dt.date(2026, 2, 25), numerator=1, denominator=4)
    Target.objects.filter(pk=world.targets["alice"].pk).update(kpi="csat", value=85, stretch=95)
    response = api(alice).get(
        f"/api/v1/scorecards/agent/{alice.pk}/", {"date_from": "2026-03-01", "date_to": "2026-03-07"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["date_from"], body["date_to"], body["channel"]) == ("2026-03-01", "2026-03-07", "")
    csat = next(row for row in body["kpis"] if row["code"] == "csat")
    assert csat["value"] == pytest.approx(80.0)  # 12 / 15, not the mean of 90 % and 60 %
    assert (csat["numerator"], csat["denominator"], csat["sample_size"]) == (12, 15, 15)
    assert (csat["target"], csat["target_value"], csat["status"]) == (world.targets["alice"].pk, 85, "missed")
    # Display fields: the value and target as the pages show them, with their unit.
    assert (csat["value_display"], csat["target_display"]) == ("80.0 %", "≥ 85.0 %")
    assert csat["low_confidence"] is False
    assert csat["previous_value"] == pytest.approx(25.0)
    assert csat["trend"] == "better"
    assert 0 <= csat["ci_low"] < 80 < csat["ci_high"] <= 100
    volume = next(row for row in body["kpis"] if row["code"] == "volume")
    assert (volume["value"], volume["status"]) == (0.0, "no_target")
    assert (volume["value_display"], volume["target_display"]) == ("0 tickets", "")
    nps = next(row for row in body["kpis"] if row["code"] == "nps")
    assert (nps["value"], nps["value_display"]) == (None, "—")


def test_a_duration_snapshot_reads_with_its_unit_and_stays_in_seconds(world, api):
    aht = Snapshot.objects.create(
        date=dt.date(2026, 3, 3),
        kpi="aht",
        scope=Scope.TEAM,
        team=world.teams["falcons"],
        value=331.0,
        numerator=662,
        denominator=2,
        status="no_target",
        definitions_version=1,
        computed_at=timezone.now(),
    )
    rows = api(world.users["root"]).get("/api/v1/snapshots/", {"kpi": "aht"}).json()["results"]
    row = next(row for row in rows if row["id"] == aht.pk)
    assert (row["value"], row["value_display"]) == (331.0, "5 min 31 s")


def test_a_scorecard_period_is_validated(world, api):
    client = api(world.users["root"])
    path = f"/api/v1/scorecards/team/{world.teams['falcons'].pk}/"
    backwards = client.get(path, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert backwards.status_code == 400 and list(backwards.json()["errors"]) == ["date_to"]
    assert client.get(path, {"period": "forever"}).status_code == 400
    assert client.get(path, {"period": "7d", "channel": "chat"}).json()["channel"] == "chat"


def test_a_scorecard_reads_period_and_refuses_the_pages_old_preset_name(world, api):
    client = api(world.users["root"])
    path = f"/api/v1/scorecards/agent/{world.users['alice'].pk}/"
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = client.get(path, {"period": "90d"}).json()
    assert (body["date_from"], body["date_to"]) == (str(yesterday - dt.timedelta(days=89)), str(yesterday))
    custom = client.get(path, {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}).json()
    assert (custom["date_from"], custom["date_to"]) == ("2026-03-01", "2026-03-31")
    # Ignored, `preset=` would answer for the default 30 days without a word: it is a field error.
    old = client.get(path, {"preset": "90d"})
    assert old.status_code == 400
    assert old.json()["errors"] == {"preset": ["Unknown parameter: choose the period with `period=`."]}


# ---- targets -----------------------------------------------------------------------------


def test_a_leader_sets_a_target_and_an_overlap_is_refused(world, api):
    client = api(world.users["lena"])
    body = {
        "kpi": "aht",
        "scope": "team",
        "team": world.teams["falcons"].pk,
        "effective_from": "2026-04-01",
        "effective_to": "2026-06-30",
        "value": 360,
        "stretch": 300,
        "rationale": "Shorter queues in the spring campaign.",
    }
    created = client.post("/api/v1/targets/", body, format="json")
    assert created.status_code == 201
    target = Target.objects.get(pk=created.json()["id"])
    assert (target.set_by, target.value, target.effective_to) == (world.users["lena"], 360, dt.date(2026, 6, 30))
    count = Target.objects.count()
    overlap = client.post(
        "/api/v1/targets/", {**body, "effective_from": "2026-06-01", "effective_to": None}, format="json"
    )
    assert overlap.status_code == 400 and list(overlap.json()["errors"]) == ["effective_from"]
    percent = client.post("/api/v1/targets/", {**body, "kpi": "csat", "value": 120, "stretch": None}, format="json")
    assert percent.status_code == 400 and list(percent.json()["errors"]) == ["value"]
    stretch = client.post(
        "/api/v1/targets/",
        {**body, "effective_from": "2027-01-01", "effective_to": None, "stretch": 400},
        format="json",
    )
    assert stretch.status_code == 400 and list(stretch.json()["errors"]) == ["stretch"]
    volume = client.post("/api/v1/targets/", {**body, "kpi": "volume", "stretch": None}, format="json")
    assert volume.status_code == 400 and list(volume.json()["errors"]) == ["kpi"]
    assert Target.objects.count() == count


def test_targets_filter_in_force_on_a_day(world, api):
    Target.objects.filter(pk=world.targets["owls"].pk).update(effective_to=dt.date(2026, 2, 28))
    rows = api(world.users["root"]).get("/api/v1/targets/", {"in_force_on": "2026-03-15", "scope": "team"}).json()
    assert [row["id"] for row in rows["results"]] == [world.targets["falcons"].pk]


# ---- recompute ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "2025-01-01", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-02", "team_ids": [999999]}, "team_ids"),
        ({"date_from": "March", "date_to": "2026-03-02"}, "date_from"),
    ],
)
def test_recompute_validates_its_range(api, admin_user, body, field):
    response = api(admin_user).post("/api/v1/snapshots/recompute/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_recompute_computes_the_range_and_returns_a_task_id(world, api):
    Snapshot.objects.all().delete()
    falcons = world.teams["falcons"]
    body = {"date_from": "2026-03-01", "date_to": "2026-03-03", "team_ids": [falcons.pk]}
    response = api(world.users["root"]).post("/api/v1/snapshots/recompute/", body, format="json")
    assert response.status_code == 202
    assert response.json()["task_id"]
    assert response.json()["team_ids"] == [falcons.pk]
    volume = Snapshot.objects.get(scope=Scope.TEAM, team=falcons, kpi="volume", channel="", date=dt.date(2026, 3, 2))
    assert volume.numerator == Ticket.objects.filter(team=falcons).count() == 2
