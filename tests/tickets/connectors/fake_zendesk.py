"""A fake Zendesk Support account behind a real HTTP server on loopback, for tests and `bench/sync.py`.

It serves the shapes of Zendesk's public API documentation: the cursor-based incremental ticket
export with `metric_sets`, `users`, `groups` and `organizations` side-loaded (`after_cursor`, `end_of_stream`),
`/api/v2/satisfaction_ratings.json` with cursor pagination (`meta.has_more`, `links.next`),
`/api/v2/users/me.json` and `/api/v2/groups.json`, basic auth `{email}/token:{api_token}`. Faults are
queued per request: `429` with Retry-After, `500`, or a connection dropped mid-body.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode()


def _position(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])


@dataclass
class FakeZendesk:
    """The account's state; `stream` is the export's timeline (a ticket appears again each time it changes)."""

    email: str = "admin@acme.example"
    api_token: str = "zd-token-0123456789abcdef"
    page_size: int = 100
    groups: dict[int, str] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[int, dict[str, Any]] = field(default_factory=dict)
    ratings: dict[int, dict[str, Any]] = field(default_factory=dict)
    stream: list[int] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    delay_seconds: float = 0.0  # per export page: a slow helpdesk (a backfill that takes a while)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- building the account ------------------------------------------------------------

    def add_group(self, group_id: int, name: str) -> None:
        self.groups[group_id] = name

    def add_agent(self, user_id: int, email: str, name: str = "") -> None:
        self.users[user_id] = {"id": user_id, "name": name or email, "email": email, "role": "agent"}

    def add_organization(self, organization_id: int, name: str, *, created_at: dt.datetime) -> None:
        self.organizations[organization_id] = {
            "id": organization_id,
            "url": f"https://acme.zendesk.com/api/v2/organizations/{organization_id}.json",
            "name": name,
            "shared_tickets": False,
            "shared_comments": False,
            "external_id": None,
            "created_at": _iso(created_at),
            "updated_at": _iso(created_at),
            "domain_names": [],
            "details": "",
            "notes": "",
            "group_id": None,
            "tags": [],
            "organization_fields": {},
        }

    def put_ticket(
        self,
        ticket_id: int,
        *,
        created_at: dt.datetime,
        updated_at: dt.datetime | None = None,
        status: str = "solved",
        group_id: int | None = None,
        assignee_id: int | None = None,
        channel: str = "email",
        priority: str | None = "normal",
        ticket_type: str | None = "question",
        reply_minutes: int | None = 30,
        resolution_minutes: int | None = 120,
        replies: int = 1,
        reopens: int = 0,
        organization_id: int | None = None,
        business: tuple[int | None, int | None] | None = None,
    ) -> None:
        """Create or change a ticket (and its metric set); it enters the export stream again."""
        updated_at = updated_at or created_at + dt.timedelta(minutes=(resolution_minutes or 0) + 1)
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
            "external_id": None,
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": _iso(created_at),
            "updated_at": _iso(updated_at),
            "generated_timestamp": int(updated_at.timestamp()),
            "type": ticket_type,
            "subject": f"Ticket {ticket_id}",
            "priority": priority,
            "status": status,
            "requester_id": 900000 + ticket_id,
            "submitter_id": 900000 + ticket_id,
            "assignee_id": assignee_id,
            "organization_id": organization_id,
            "group_id": group_id,
            "tags": [],
        }
        solved = status in ("solved", "closed") and resolution_minutes is not None
        # Business minutes: the same as calendar unless given (reply, full resolution); None = Zendesk gives none.
        reply_business, resolution_business = business if business is not None else (reply_minutes, resolution_minutes)
        self.metrics[ticket_id] = {
            "id": 500000 + ticket_id,
            "ticket_id": ticket_id,
            "created_at": _iso(created_at),
            "updated_at": _iso(updated_at),
            "group_stations": 1,
            "assignee_stations": 1,
            "reopens": reopens,
            "replies": replies,
            "assignee_updated_at": _iso(updated_at),
            "requester_updated_at": _iso(created_at),
            "status_updated_at": _iso(updated_at),
            "initially_assigned_at": _iso(created_at),
            "assigned_at": _iso(created_at),
            "solved_at": _iso(created_at + dt.timedelta(minutes=resolution_minutes)) if solved else None,
            "latest_comment_added_at": _iso(updated_at),
            "reply_time_in_minutes": {"calendar": reply_minutes, "business": reply_business},
            "first_resolution_time_in_minutes": {"calendar": resolution_minutes, "business": resolution_minutes},
            "full_resolution_time_in_minutes": {"calendar": resolution_minutes, "business": resolution_business},
            "agent_wait_time_in_minutes": {"calendar": 0, "business": 0},
            "requester_wait_time_in_minutes": {"calendar": 0, "business": 0},
            "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
        }
        with self.lock:
            self.stream.append(ticket_id)

    def delete_ticket(self, ticket_id: int, *, at: dt.datetime) -> None:
        """Zendesk keeps a deleted ticket in the export with status "deleted"."""
        self.tickets[ticket_id] = {**self.tickets[ticket_id], "status": "deleted", "updated_at": _iso(at)}
        with self.lock:
            self.stream.append(ticket_id)

    def rate(self, ticket_id: int, score: str, *, at: dt.datetime, comment: str = "") -> None:
        ticket = self.tickets[ticket_id]
        self.ratings[ticket_id] = {
            "id": 700000 + ticket_id,
            "url": f"https://acme.zendesk.com/api/v2/satisfaction_ratings/{700000 + ticket_id}.json",
            "assignee_id": ticket["assignee_id"],
            "group_id": ticket["group_id"],
            "requester_id": ticket["requester_id"],
            "ticket_id": ticket_id,
            "score": score,
            "comment": comment,
            "reason": None,
            "created_at": _iso(at),
            "updated_at": _iso(at),
        }

    # ---- the HTTP side -------------------------------------------------------------------

    def install(self, server) -> None:
        """Route every request of a pytest-httpserver HTTPServer to this account."""
        server.expect_request(re.compile(r"^/api/v2/.*")).respond_with_handler(lambda request: self.handle(request))

    def handle(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        with self.lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault == "429":
            return Response("Too Many Requests", status=429, headers={"Retry-After": "0"})
        if fault == "500":
            return Response('{"error": "InternalError"}', status=500, content_type="application/json")
        expected = base64.b64encode(f"{self.email}/token:{self.api_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Response('{"error": "Couldn\'t authenticate you"}', status=401, content_type="application/json")
        body = self._answer(request)
        if body is None:
            return Response('{"error": "InvalidEndpoint"}', status=404, content_type="application/json")
        data = json.dumps(body).encode()
        if fault == "drop":  # the connection closes after half the body: Content-Length promises more
            return Response(
                data[: len(data) // 2], headers={"Content-Length": str(len(data))}, content_type="application/json"
            )
        return Response(data, content_type="application/json")

    def _answer(self, request: Request) -> dict[str, Any] | None:
        path, args = request.path, request.args
        if path == "/api/v2/users/me.json":
            return {"user": {"id": 1, "name": "Acme Admin", "email": self.email, "role": "admin"}}
        if path == "/api/v2/groups.json":
            groups = [{"id": gid, "name": name, "deleted": False} for gid, name in sorted(self.groups.items())]
            return {"groups": groups, "meta": {"has_more": False, "after_cursor": None}, "links": {"next": None}}
        if path == EXPORT_PATH:
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            return self._export(args)
        if path == "/api/v2/satisfaction_ratings.json":
            return self._ratings(request, args)
        return None

    def _export(self, args) -> dict[str, Any]:
        with self.lock:
            stream = list(self.stream)
        if "cursor" in args:
            start = _position(args["cursor"])
        else:
            since = int(args.get("start_time", 0))
            start = next(
                (i for i, tid in enumerate(stream) if self.tickets[tid]["generated_timestamp"] >= since), len(stream)
            )
        end = min(len(stream), start + self.page_size)
        ids = stream[start:end]
        tickets = [self.tickets[tid] for tid in ids]
        include = set((args.get("include") or "").split(","))
        body: dict[str, Any] = {
            "tickets": tickets,
            "after_url": f"https://acme.zendesk.com{EXPORT_PATH}?cursor={_cursor(end)}",
            "after_cursor": _cursor(end),
            "before_url": None,
            "before_cursor": None,
            "end_of_stream": end >= len(stream),
        }
        live = [t for t in tickets if t["status"] != "deleted"]
        if "metric_sets" in include:
            body["metric_sets"] = [self.metrics[t["id"]] for t in live if t["id"] in self.metrics]
        if "users" in include:
            wanted = {t["assignee_id"] for t in live}
            body["users"] = [user for uid, user in self.users.items() if uid in wanted]
        if "groups" in include:
            wanted = {t["group_id"] for t in live}
            body["groups"] = [{"id": gid, "name": name} for gid, name in self.groups.items() if gid in wanted]
        if "organizations" in include:
            wanted = {t["organization_id"] for t in live}
            body["organizations"] = [org for oid, org in self.organizations.items() if oid in wanted]
        return body

    def _ratings(self, request: Request, args) -> dict[str, Any]:
        since = int(args.get("start_time", 0))
        received = [
            r
            for _, r in sorted(self.ratings.items())
            if r["score"] in ("good", "bad")
            and dt.datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")).timestamp() >= since
        ]
        size = int(args.get("page[size]", 100))
        after = int(args.get("page[after]", 0))
        page = received[after : after + size]
        has_more = after + size < len(received)
        query = f"page[after]={after + size}&page[size]={size}&start_time={since}&score=received"
        next_url = f"{request.host_url.rstrip('/')}/api/v2/satisfaction_ratings.json?{query}"
        return {
            "satisfaction_ratings": page,
            "meta": {"has_more": has_more, "after_cursor": str(after + size), "before_cursor": str(after)},
            "links": {"next": next_url if has_more else None, "prev": None},
        }
