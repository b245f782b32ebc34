"""The load-test mix (run by bench/load.py), a working day of an organisation:

- leaders on their team's dashboard (30, 90 and 365 days), the team list, an agent's scorecard and now and
  then a drill-down list;
- agents on their own scorecard (`/me/`, 30, 90 and 365 days);
- reporting scripts reading the API by token (scorecards of agents and teams, snapshot lists);
- the helpdesk integration posting ticket and survey batches (one process, as a connector runs);
- someone signing in now and then (measured apart: PBKDF2 is slow on purpose);
- the load balancer's readiness probe every second (the floor: the cheapest answer that touches the database).

Browsing users arrive signed in (a session made by bench/load.py, as after a morning login) so that fifty
simultaneous PBKDF2 logins do not stand in for page latency. Every request is checked (status, no redirect
to the login page) and recorded with its group; bench/load.py turns the samples into percentiles.
Who is who comes from the PULSE_LOAD environment variable (JSON); samples go to PULSE_LOAD_SAMPLES.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time

from _mix import KPI_CODES, PERIOD_WEIGHTS, PERIODS, SNAPSHOTS_NAME, snapshots_query
from locust import HttpUser, between, constant, events, task

SETUP = json.loads(os.environ.get("PULSE_LOAD", "{}"))
SAMPLES_PATH = os.environ.get("PULSE_LOAD_SAMPLES", "")
_batches = itertools.count()
_samples: list[tuple[str, str, float, float, str]] = []  # (group, name, started, milliseconds, error)


def some_period() -> tuple[str, str]:
    """(label, query) of a period, drawn with PERIOD_WEIGHTS."""
    label = random.choices(list(PERIOD_WEIGHTS), weights=list(PERIOD_WEIGHTS.values()))[0]
    return label, PERIODS[label]


@events.request.add_listener
def _record(request_type, name, response_time, exception, context, start_time=None, **kwargs):
    error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    _samples.append(
        (context.get("group", "other"), f"{request_type} {name}", start_time or time.time(), response_time, error)
    )


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    if SAMPLES_PATH:
        with open(SAMPLES_PATH, "w") as handle:
            json.dump(_samples, handle)


class PulseUser(HttpUser):
    abstract = True
    group = "other"

    def context(self) -> dict:
        return {"group": self.group}

    def get_ok(self, url: str, name: str, **kwargs) -> None:
        """GET that counts as an error unless it answers 200 itself (a redirect to login is an error)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code} {response.headers.get('Location', '')}")


class SignedIn(PulseUser):
    """A browser with a session made before the test (see bench/load.py)."""

    abstract = True
    group = "page"
    wait_time = between(1.0, 4.0)  # reading a page before the next click

    def use_session(self, username: str) -> None:
        self.client.cookies.set(SETUP["session_cookie"], SETUP["sessions"][username])


class Leader(SignedIn):
    weight = 4

    def on_start(self) -> None:
        self.username, self.team_ids = random.choice(SETUP["leaders"])
        self.use_session(self.username)

    @task(6)
    def team_dashboard(self) -> None:
        label, query = some_period()
        self.get_ok(f"/teams/{random.choice(self.team_ids)}/?{query}", name=f"/teams/[id]/ {label}")

    @task(1)
    def team_list(self) -> None:
        self.get_ok("/teams/", name="/teams/")

    @task(3)
    def agent_scorecard(self) -> None:
        label, query = some_period()
        agent = random.choice(SETUP["agents_by_team"][str(random.choice(self.team_ids))])
        self.get_ok(f"/agents/{agent}/?{query}", name=f"/agents/[id]/ {label}")

    @task(1)
    def drill_down(self) -> None:
        team = random.choice(self.team_ids)
        self.get_ok(f"/teams/{team}/kpis/{random.choice(KPI_CODES)}/?period=30d", name="/teams/[id]/kpis/[kpi]/ 30d")


class Agent(SignedIn):
    weight = 5

    def on_start(self) -> None:
        self.use_session(random.choice(SETUP["agent_usernames"]))

    @task
    def my_scorecard(self) -> None:
        label, query = some_period()
        self.get_ok(f"/me/?{query}", name=f"/me/ {label}")


class ApiReader(PulseUser):
    """A leader's reporting script: scorecards and snapshots of the leader's teams, by token."""

    weight = 1
    group = "api read"
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        username, self.team_ids = random.choice(SETUP["leaders"])
        self.headers = {"Authorization": f"Token {SETUP['tokens'][username]}"}

    def scorecard(self, scope: str, subject: int) -> None:
        label, query = some_period()
        self.get_ok(
            f"/api/v1/scorecards/{scope}/{subject}/?{query}",
            name=f"/api/v1/scorecards/{scope}/[id]/ {label}",
            headers=self.headers,
        )

    @task(3)
    def agent_scorecard(self) -> None:
        self.scorecard("agent", random.choice(SETUP["agents_by_team"][str(random.choice(self.team_ids))]))

    @task(2)
    def team_scorecard(self) -> None:
        self.scorecard("team", random.choice(self.team_ids))

    @task(1)
    def snapshots(self) -> None:
        query = snapshots_query(random.choice(self.team_ids), random.choice(KPI_CODES))
        self.get_ok(query, name=SNAPSHOTS_NAME, headers=self.headers)


class Integration(PulseUser):
    """The helpdesk connector: a batch of tickets, then one of survey responses, every few seconds."""

    fixed_count = 1
    group = "api write"
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {SETUP['token']}"}

    def post_ok(self, url: str, records: list[dict]) -> None:
        with self.client.post(
            url, json={"records": records}, headers=self.headers, name=url, catch_response=True
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    @task
    def post_batches(self) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        batch = next(_batches)
        tickets, surveys = [], []
        for i in range(SETUP.get("batch_size", 200)):
            created = now - dt.timedelta(minutes=random.randint(5, 600))
            if SETUP.get("backdate_days"):  # tickets of earlier days: late syncs, edits, a backlog worked through
                created -= dt.timedelta(days=random.uniform(0, SETUP["backdate_days"]))
            external_id = f"LOAD-{os.getpid()}-{batch}-{i}"
            tickets.append(
                {
                    "external_id": external_id,
                    "channel": random.choice(["email", "chat", "phone"]),
                    "status": "solved",
                    "agent_email": random.choice(SETUP["agent_emails"]),
                    "created_at": created.isoformat(),
                    "first_response_at": (created + dt.timedelta(seconds=random.randint(10, 900))).isoformat(),
                    "solved_at": (created + dt.timedelta(minutes=random.randint(5, 120))).isoformat(),
                    "handle_time_seconds": random.randint(60, 900),
                    "agent_replies": random.randint(1, 3),
                }
            )
            if i % 4 == 0:  # about one ticket in four gets a survey answer
                surveys.append(
                    {
                        "external_id": f"S-{external_id}",
                        "ticket_external_id": external_id,
                        "kind": "csat",
                        "score": random.choice([5, 5, 4, 4, 3, 2, 1]),
                        "responded_at": now.isoformat(),
                    }
                )
        self.post_ok("/api/v1/tickets/bulk/", tickets)
        self.post_ok("/api/v1/survey-responses/bulk/", surveys)


class SigningIn(PulseUser):
    """Someone signing in (and out) now and then: the login form, the password check, the landing page."""

    fixed_count = 1
    group = "login"
    wait_time = between(3.0, 6.0)

    @task
    def sign_in_and_out(self) -> None:
        self.client.cookies.clear()
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        username = random.choice(SETUP["agent_usernames"] + [leader for leader, _ in SETUP["leaders"]])
        with self.client.post(
            "/accounts/login/",
            {
                "username": username,
                "password": SETUP["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="/accounts/login/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}: the password was not accepted")
                return
        self.client.post(
            "/accounts/logout/",
            {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            headers={"Referer": self.host + "/"},
            name="/accounts/logout/ [POST]",
        )


class Probe(PulseUser):
    """The load balancer's readiness probe: the floor of this run (database and Redis answer, no page)."""

    fixed_count = 1
    group = "probe"
    wait_time = constant(1.0)

    @task
    def ready(self) -> None:
        self.get_ok("/readyz", name="/readyz")
