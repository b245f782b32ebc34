"""The load-test mix (run by bench/load.py): leaders on dashboards, agents on scorecards, an integration
posting bulk tickets. Who logs in as whom comes from the PULSE_LOAD environment variable (JSON)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

SETUP = json.loads(os.environ.get("PULSE_LOAD", "{}"))
PASSWORD = SETUP.get("password", "")
_counter = itertools.count()


class Browser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": self.host + "/accounts/login/"},
            name="/accounts/login/ [POST]",
        )


class Leader(Browser):
    weight = 4

    def on_start(self) -> None:
        self.username, self.team_ids = random.choice(SETUP["leaders"])
        self.login(self.username)

    @task(4)
    def dashboard(self) -> None:
        team = random.choice(self.team_ids)
        self.client.get(f"/teams/{team}/?period={random.choice(['7d', '30d', '90d'])}", name="/teams/[id]/")

    @task(1)
    def teams(self) -> None:
        self.client.get("/teams/", name="/teams/")

    @task(1)
    def agent_scorecard(self) -> None:
        agent = random.choice(SETUP["agents_by_team"][str(random.choice(self.team_ids))])
        self.client.get(f"/agents/{agent}/?period=30d", name="/agents/[id]/")


class Agent(Browser):
    weight = 5

    def on_start(self) -> None:
        self.login(random.choice(SETUP["agent_usernames"]))

    @task
    def scorecard(self) -> None:
        self.client.get(f"/me/?period={random.choice(['7d', '30d'])}", name="/me/")


class Integration(HttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def post_tickets(self) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        batch = next(_counter)
        records = []
        for i in range(SETUP.get("batch_size", 200)):
            created = now - dt.timedelta(minutes=random.randint(5, 600))
            records.append(
                {
                    "external_id": f"LOAD-{os.getpid()}-{batch}-{i}",
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
        self.client.post(
            "/api/v1/tickets/bulk/",
            json={"records": records},
            headers={"Authorization": f"Token {SETUP['token']}"},
            name="/api/v1/tickets/bulk/",
        )
