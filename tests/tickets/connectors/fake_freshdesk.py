"""A fake Freshdesk account behind a real HTTP server on loopback, for tests and the browser journey.

It answers as Freshdesk's public API documentation (developers.freshdesk.com/api) describes:
`GET /api/v2/tickets` with `updated_since` (inclusive), `filter=deleted|spam`, `include=stats`,
`order_by`/`order_type`, `per_page` (default 30, at most 100) and `page`, the `Link: <…>; rel="next"`
header while more pages remain, the 300-page cap (HTTP 400 "You cannot access tickets beyond the 300th
page"), and only the last 30 days of tickets when no `updated_since` is given; `/api/v2/agents`,
`/api/v2/agents/me`, `/api/v2/groups`, `/api/v2/companies` (id, name, description, domains, created_at,
updated_at, custom_fields), `/api/v2/surveys/satisfaction_ratings?created_since=`; rate-limit
headers (`X-RateLimit-Total`, `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest`) and `429` with
`Retry-After`. Basic auth with the API key as user name and "X" as password. Faults are queued per request:
"429", "500" or "drop" (the connection closes half-way through the body).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

# Freshdesk's codes (docs: "source", "status", "priority" of a ticket).
SOURCE_EMAIL, SOURCE_PORTAL, SOURCE_PHONE, SOURCE_CHAT, SOURCE_FEEDBACK_WIDGET = 1, 2, 3, 7, 9
OPEN, PENDING, RESOLVED, CLOSED, WAITING_ON_CUSTOMER = 2, 3, 4, 5, 6
MAX_PAGES = 300
DEFAULT_WINDOW = dt.timedelta(days=30)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class FakeFreshdesk:
    api_key: str = "fd-key-abcdef0123456789"
    max_pages: int = MAX_PAGES  # Freshdesk refuses page > 300 of the ticket list
    rate_limit_total: int = 400
    groups: dict[int, str] = field(default_factory=dict)
    agents: dict[int, str] = field(default_factory=dict)  # id → e-mail
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    ratings: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    delay_seconds: float = 0.0  # per ticket-list page: a slow helpdesk
    after_request: Callable[[Request], None] | None = None  # a hook that changes the account between pages
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- building the account ------------------------------------------------------------

    def add_group(self, group_id: int, name: str) -> None:
        self.groups[group_id] = name

    def add_agent(self, agent_id: int, email: str) -> None:
        self.agents[agent_id] = email

    def add_company(self, company_id: int, name: str, *, created_at: dt.datetime) -> None:
        self.companies[company_id] = {
            "id": company_id,
            "name": name,
            "description": None,
            "note": None,
            "domains": [],
            "created_at": iso(created_at),
            "updated_at": iso(created_at),
            "custom_fields": {},
            "health_score": None,
            "account_tier": None,
            "renewal_date": None,
            "industry": None,
        }

    def put_ticket(
        self,
        ticket_id: int,
        *,
        created_at: dt.datetime,
        updated_at: dt.datetime | None = None,
        status: int = CLOSED,
        group_id: int | None = None,
        responder_id: int | None = None,
        source: int = SOURCE_EMAIL,
        priority: int = 2,
        ticket_type: str | None = "Question",
        first_response_minutes: int | None = 30,
        resolution_minutes: int | None = 120,
        reopened: bool = False,
        company_id: int | None = None,
    ) -> None:
        """Create or change a ticket (`updated_at` defaults to now: it moves to the end of the list)."""
        updated_at = updated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
        resolved = created_at + dt.timedelta(minutes=resolution_minutes) if resolution_minutes is not None else None
        with self.lock:
            self.tickets[ticket_id] = {
                "id": ticket_id,
                "subject": f"Ticket {ticket_id}",
                "cc_emails": [],
                "fr_escalated": False,
                "spam": False,
                "deleted": False,
                "email_config_id": None,
                "group_id": group_id,
                "priority": priority,
                "requester_id": 800000 + ticket_id,
                "responder_id": responder_id,
                "source": source,
                "company_id": company_id,
                "status": status,
                "type": ticket_type,
                "due_by": iso(created_at + dt.timedelta(days=3)),
                "fr_due_by": iso(created_at + dt.timedelta(hours=8)),
                "is_escalated": False,
                "custom_fields": {},
                "created_at": iso(created_at),
                "updated_at": iso(updated_at),
                "tags": [],
                "stats": {
                    "agent_responded_at": iso(created_at + dt.timedelta(minutes=first_response_minutes))
                    if first_response_minutes is not None
                    else None,
                    "requester_responded_at": None,
                    "first_responded_at": iso(created_at + dt.timedelta(minutes=first_response_minutes))
                    if first_response_minutes is not None
                    else None,
                    "status_updated_at": iso(updated_at),
                    "reopened_at": iso(updated_at) if reopened else None,
                    "resolved_at": iso(resolved) if resolved and status in (RESOLVED, CLOSED) else None,
                    "closed_at": iso(resolved) if resolved and status == CLOSED else None,
                    "pending_since": iso(updated_at) if status == PENDING else None,
                },
            }

    def trash(self, ticket_id: int, *, at: dt.datetime | None = None, spam: bool = False) -> None:
        """Delete a ticket (to the Trash) or mark it as spam: it leaves the default list."""
        with self.lock:
            row = self.tickets[ticket_id]
            row["spam" if spam else "deleted"] = True
            row["updated_at"] = iso(at or dt.datetime.now(dt.UTC))

    def rate(self, ticket_id: int, answer: int, *, at: dt.datetime, feedback: str = "") -> None:
        """A survey answer to the default question (103 … -103, the docs' rating values)."""
        ticket = self.tickets[ticket_id]
        self.ratings[ticket_id] = {
            "id": 600000 + ticket_id,
            "survey_id": 1,
            "user_id": ticket["requester_id"],
            "agent_id": ticket["responder_id"],
            "feedback": feedback,
            "group_id": ticket["group_id"],
            "ticket_id": ticket_id,
            "ratings": {"default_question": answer},
            "created_at": iso(at),
            "updated_at": iso(at),
        }

    # ---- the HTTP side -------------------------------------------------------------------

    def install(self, server) -> None:
        server.expect_request(re.compile(r"^/api/v2/.*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        with self.lock:
            fault = self.faults.pop(0) if self.faults else None
        used = len(self.requests)
        limits = {
            "X-RateLimit-Total": str(self.rate_limit_total),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit_total - used)),
            "X-RateLimit-Used-CurrentRequest": "1",
        }
        if fault == "429":
            return Response(
                json.dumps({"message": "You have exceeded the limit of requests per minute"}),
                status=429,
                content_type="application/json",
                headers={**limits, "X-RateLimit-Remaining": "0", "Retry-After": "1"},
            )
        if fault == "500":
            body = json.dumps({"message": "Internal server error"})
            return Response(body, status=500, content_type="application/json")
        expected = base64.b64encode(f"{self.api_key}:X".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            body = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}
            return Response(json.dumps(body), status=401, content_type="application/json")
        status, rows, headers = self._answer(request)
        data = json.dumps(rows).encode()
        if request.path == "/api/v2/tickets" and self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.after_request is not None:
            self.after_request(request)
        if fault == "drop":
            return Response(
                data[: len(data) // 2],
                headers={**limits, "Content-Length": str(len(data))},
                content_type="application/json",
            )
        return Response(data, status=status, content_type="application/json", headers={**limits, **headers})

    def _answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        path, args = request.path, request.args
        if path == "/api/v2/agents/me":
            return 200, {"id": 1, "contact": {"name": "Acme Admin", "email": "admin@acme.example"}}, {}
        if path == "/api/v2/groups":
            rows = [{"id": gid, "name": name} for gid, name in sorted(self.groups.items())]
            return self._page(request, rows)
        if path == "/api/v2/agents":
            agents = sorted(self.agents.items())
            rows = [{"id": aid, "contact": {"email": email, "name": email}} for aid, email in agents]
            return self._page(request, rows)
        if path == "/api/v2/companies":
            return self._page(request, [company for _, company in sorted(self.companies.items())])
        if path == "/api/v2/tickets":
            return self._tickets(request, args)
        if path == "/api/v2/surveys/satisfaction_ratings":
            since = _parse(args["created_since"]) if "created_since" in args else dt.datetime.min.replace(tzinfo=dt.UTC)
            rows = [r for _, r in sorted(self.ratings.items()) if _parse(r["created_at"]) >= since]
            return self._page(request, rows)
        return 404, {"code": "not_found"}, {}

    def _tickets(self, request: Request, args) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            rows = [dict(row) for row in self.tickets.values()]
        wanted = args.get("filter")
        if wanted == "deleted":
            rows = [r for r in rows if r["deleted"]]
        elif wanted == "spam":
            rows = [r for r in rows if r["spam"] and not r["deleted"]]
        else:
            rows = [r for r in rows if not r["deleted"] and not r["spam"]]
        if "updated_since" in args:
            since = _parse(args["updated_since"])
            rows = [r for r in rows if _parse(r["updated_at"]) >= since]
        else:  # "By default, only tickets that have been created within the past 30 days will be returned."
            floor = dt.datetime.now(dt.UTC) - DEFAULT_WINDOW
            rows = [r for r in rows if _parse(r["created_at"]) >= floor]
        order = args.get("order_by", "created_at")
        rows.sort(key=lambda r: (r[order], r["id"]), reverse=args.get("order_type", "desc") == "desc")
        if "stats" not in (args.get("include") or "").split(","):
            rows = [{k: v for k, v in r.items() if k != "stats"} for r in rows]
        if int(args.get("page", 1)) > self.max_pages:
            error = {
                "description": "Validation failed",
                "errors": [
                    {
                        "field": "page",
                        "message": f"You cannot access tickets beyond the {self.max_pages}th page. "
                        "Please provide a smaller page number.",
                        "code": "invalid_value",
                    }
                ],
            }
            return 400, error, {}
        return self._page(request, rows)

    def _page(self, request: Request, rows: list[dict[str, Any]]) -> tuple[int, Any, dict[str, str]]:
        per_page = min(100, int(request.args.get("per_page", 30)))
        page = int(request.args.get("page", 1))
        chunk = rows[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(rows):
            query = {key: value for key, value in request.args.items() if key != "page"}
            query["page"] = str(page + 1)
            headers["Link"] = f'<{request.host_url.rstrip("/")}{request.path}?{urlencode(query)}>; rel="next"'
        return 200, chunk, headers
