"""Freshdesk: tickets updated since the cursor with their stats, agents and groups, satisfaction ratings.

API reference: developers.freshdesk.com/api — "List All Tickets" (`updated_since`, `include=stats`,
`order_by=updated_at&order_type=asc`, `per_page` ≤ 100, `page` ≤ 300, the `Link` header's rel="next",
`filter=deleted` / `filter=spam`), "Agents", "Groups", "Companies" (`/api/v2/companies`: the ticket's
`company_id` is its customer; the list cannot embed the company), "Satisfaction Ratings"
(`/api/v2/surveys/satisfaction_ratings?created_since=`); `429` + `Retry-After` when rate limited.
Basic auth with the API key as user name and "X" as password. docs/decisions.md ("Freshdesk") says why
the ticket list is read by moving `updated_since` (keyset) rather than by page number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from tickets.models import Channel, Priority, Status

from .base import (
    ConnectionCheck,
    Helpdesk,
    HelpdeskCustomer,
    HelpdeskRating,
    HelpdeskTicket,
    TicketPage,
    parse_time,
)
from .http import HelpdeskError, Response

TICKETS_PATH = "/api/v2/tickets"
PAGE_SIZE = 100  # the largest `per_page`
# Freshdesk refuses `page` beyond 300 on the ticket list ("You cannot access tickets beyond the 300th page").
MAX_PAGE = 300
# `updated_since` restarts this far before the last row read, so a second's other tickets are never skipped
# whether Freshdesk compares inclusively or not (the rows read twice are dropped by id).
OVERLAP = dt.timedelta(seconds=1)
# `source` codes of the ticket API, read as the CSV profile reads their names (docs/decisions.md).
SOURCES = {
    1: Channel.EMAIL,  # Email
    2: Channel.EMAIL,  # Portal
    3: Channel.PHONE,  # Phone
    4: Channel.SOCIAL,  # Forum
    5: Channel.SOCIAL,  # Twitter
    6: Channel.SOCIAL,  # Facebook
    7: Channel.CHAT,  # Chat
    8: Channel.CHAT,  # Mobihelp
    9: Channel.EMAIL,  # Feedback widget
    10: Channel.EMAIL,  # Outbound email
    12: Channel.CHAT,  # Bot
    13: Channel.SOCIAL,  # WhatsApp
}
# 2 Open, 3 Pending, 4 Resolved, 5 Closed, 6 Waiting on customer, 7 Waiting on third party.
STATUSES = {2: Status.OPEN, 3: Status.PENDING, 4: Status.SOLVED, 5: Status.CLOSED, 6: Status.PENDING, 7: Status.PENDING}
PRIORITIES = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}
# The default question's answer onto CSAT 1–5. Freshdesk's values depend on the survey's scale:
# 3-point 103 / 100 / -103; 5-point 103 / 102 / 100 / -102 / -103; 7-point 103 … -103 (Extremely happy …
# Extremely unhappy). This map is exact for the 3- and 5-point scales, and on every scale a happy answer
# (> 100) is a 4–5 and an unhappy one (< 100) a 1–2, so Pulse's CSAT equals Freshdesk's share of happy answers.
RATINGS = {103: 5, 102: 4, 101: 4, 100: 3, -101: 2, -102: 2, -103: 1}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
# Lists whose tickets are no longer tickets for Pulse: the Trash and spam.
REMOVED_FILTERS = ("deleted", "spam")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def _next_url(reply: Response) -> str | None:
    found = NEXT_LINK.search(reply.headers.get("Link") or "")
    return found.group(1) if found else None


class Freshdesk(Helpdesk):
    def check(self) -> ConnectionCheck:
        me = self.client.get("/api/v2/agents/me").data or {}
        contact = me.get("contact") or {}
        return ConnectionCheck(
            account=contact.get("name") or contact.get("email") or "agent", groups=sorted(self._groups().values())
        )

    def _list(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a short list (groups, agents, ratings), following the `Link: <…>; rel="next"` header."""
        url: str | None = path
        while url:
            reply = self.client.get(url, params)
            yield reply.data if isinstance(reply.data, list) else []
            url, params = _next_url(reply), None

    def _ticket_rows(self, since: dt.datetime, **filters: str) -> Iterator[list[dict[str, Any]]]:
        """Tickets updated since `since`, oldest change first, each exactly once.

        Each request starts again from the last row read (`updated_since` moved, page 1) instead of asking
        for page N: a ticket updated while the list is read moves to its end, which would shift an
        offset-paged list and skip a row, and page numbers stop at 300. Only when a whole page shares one
        second does the read go on by page number.
        """
        page, seen = 1, set()
        while True:
            params = {
                "updated_since": _stamp(since),
                "include": "stats",
                "order_by": "updated_at",
                "order_type": "asc",
                "per_page": PAGE_SIZE,
                **filters,
            }
            if page > 1:
                params["page"] = page
            reply = self.client.get(TICKETS_PATH, params)
            rows = reply.data if isinstance(reply.data, list) else []
            yield [row for row in rows if row.get("id") not in seen]
            if not rows or _next_url(reply) is None:
                return
            restart = (parse_time(rows[-1].get("updated_at")) or since) - OVERLAP
            if restart > since:
                since, page, seen = restart, 1, set()
            else:
                page += 1
                if page > MAX_PAGE:
                    raise HelpdeskError("Freshdesk listed more than 30 000 tickets changed within one second.")
            seen |= {row.get("id") for row in rows if (parse_time(row.get("updated_at")) or since) >= since}

    def _groups(self) -> dict[int, str]:
        return {g["id"]: g["name"] for page in self._list("/api/v2/groups", {"per_page": PAGE_SIZE}) for g in page}

    def _agents(self) -> dict[int, str]:
        return {
            a["id"]: (a.get("contact") or {}).get("email") or ""
            for page in self._list("/api/v2/agents", {"per_page": PAGE_SIZE})
            for a in page
        }

    def _companies(self) -> dict[int, HelpdeskCustomer]:
        """Every company (read once per sync, 100 a page, like groups and agents)."""
        found = {}
        for page in self._list("/api/v2/companies", {"per_page": PAGE_SIZE}):
            for company in page:
                created_at = parse_time(company.get("created_at"))
                found[company["id"]] = HelpdeskCustomer(
                    id=str(company["id"]),
                    name=str(company.get("name") or "").strip() or f"Freshdesk company {company['id']}",
                    started_on=created_at.date() if created_at is not None else None,
                )
        return found

    def ticket_pages(self, *, cursor: str, start: dt.datetime) -> Iterator[TicketPage]:
        since = parse_time(cursor) or start
        groups, agents, companies = self._groups(), self._agents(), self._companies()
        # Removals first, with the cursor held: the Trash and spam of the whole history window, read each sync
        # (Freshdesk does not document whether deleting a ticket moves its updated_at; the Trash empties itself
        # after 30 days, so it stays short). A removed ticket Pulse never held deletes nothing.
        for name in REMOVED_FILTERS:
            for rows in self._ticket_rows(start, filter=name):
                removed = [HelpdeskTicket(id=str(row["id"]), deleted=True) for row in rows]
                yield TicketPage(tickets=removed, cursor=cursor, end_of_stream=False)
        latest = since
        for rows in self._ticket_rows(since):
            tickets = [_ticket(row, groups, agents, companies) for row in rows]
            latest = max([latest, *(t.changed_at for t in tickets if t.changed_at is not None)])
            # The next sync starts a second before the latest change written (re-read, unchanged, not rewritten).
            yield TicketPage(tickets=tickets, cursor=_stamp(latest - OVERLAP), end_of_stream=False)

    def rating_pages(self, *, since: dt.datetime) -> Iterator[list[HelpdeskRating]]:
        params = {"created_since": _stamp(since), "per_page": PAGE_SIZE}
        for rows in self._list("/api/v2/surveys/satisfaction_ratings", params):
            yield [rating for rating in map(_rating, rows) if rating is not None]


def _ticket(
    row: dict[str, Any], groups: dict[int, str], agents: dict[int, str], companies: dict[int, HelpdeskCustomer]
) -> HelpdeskTicket:
    changed_at = parse_time(row.get("updated_at"))
    if row.get("deleted") or row.get("spam"):
        return HelpdeskTicket(id=str(row["id"]), deleted=True, changed_at=changed_at)
    stats = row.get("stats") or {}
    status = STATUSES.get(row.get("status"), Status.OPEN)  # a custom status is an open ticket
    solved = stats.get("resolved_at") or stats.get("closed_at")
    group_id = row.get("group_id")
    company_id = row.get("company_id")
    customer = None
    if company_id:  # a company deleted since is still the ticket's customer, named by its id
        customer = companies.get(company_id) or HelpdeskCustomer(
            id=str(company_id), name=f"Freshdesk company {company_id}", named=False
        )
    return HelpdeskTicket(
        id=str(row["id"]),
        group_name=(groups.get(group_id) or str(group_id)) if group_id else None,
        assignee_email=agents.get(row.get("responder_id")) or None,
        fields={
            "channel": SOURCES.get(row.get("source"), Channel.OTHER),
            "category": row.get("type") or "",
            "priority": PRIORITIES.get(row.get("priority"), Priority.NORMAL),
            "status": status,
            "created_at": parse_time(row.get("created_at")),
            "first_response_at": parse_time(stats.get("first_responded_at")),
            "solved_at": parse_time(solved) if status in (Status.SOLVED, Status.CLOSED) else None,
            "handle_time_seconds": None,  # time entries are a separate, optional API
            "agent_replies": 0,  # the ticket API has no reply count (FCR is not meaningful for Freshdesk teams)
            "reopened_count": 1 if stats.get("reopened_at") else 0,
            # The API gives no business-hours durations (stats are timestamps): Pulse computes them.
        },
        customer=customer,
        changed_at=changed_at,
    )


def _rating(row: dict[str, Any]) -> HelpdeskRating | None:
    if not row.get("ticket_id"):
        return None
    answer = (row.get("ratings") or {}).get("default_question")
    return HelpdeskRating(
        ticket_id=str(row["ticket_id"]),
        score=RATINGS.get(answer) if isinstance(answer, int) else None,
        responded_at=parse_time(row.get("created_at")),
        comment=row.get("feedback") or "",
    )
