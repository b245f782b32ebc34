"""Zendesk Support: the cursor-based incremental ticket export with metric sets, users, groups and
organizations side-loaded (one stream gives FRT, resolution, replies, reopens, their business-hours
minutes and the ticket's organization), and the satisfaction ratings.

API reference: developer.zendesk.com — "Incremental Exports" (`/api/v2/incremental/tickets/cursor.json`,
`start_time` then `cursor=<after_cursor>` until `end_of_stream`, 10 requests a minute), "Ticket Metrics"
(the side-loaded `metric_sets`), "Satisfaction Ratings" (`score=received`, cursor pagination).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from tickets.models import BusinessSecondsSource, Channel, Priority, Status

from .base import (
    ConnectionCheck,
    Helpdesk,
    HelpdeskCustomer,
    HelpdeskRating,
    HelpdeskTicket,
    TicketPage,
    parse_time,
)
from .http import HelpdeskError

TICKET_EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SIDE_LOADS = "metric_sets,users,groups,organizations"
# The export's largest page; Pulse's batch limit (tickets.batch.MAX_BATCH_SIZE) is the same.
PAGE_SIZE = 1000
RATINGS_PATH = "/api/v2/satisfaction_ratings.json"
RATINGS_PAGE_SIZE = 100

# `via.channel` → Pulse channel, following the CSV profile's rules (docs/decisions.md, "Channels"):
# written asynchronous channels are email, messaging is chat, voice is phone, social networks and
# messaging apps are social; API-, rule- and system-made tickets are other.
CHANNELS = {
    "email": Channel.EMAIL,
    "web": Channel.EMAIL,
    "web_form": Channel.EMAIL,
    "web_widget": Channel.EMAIL,
    "help_center": Channel.EMAIL,
    "mobile": Channel.EMAIL,
    "chat": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "messaging": Channel.CHAT,
    "mobile_sdk": Channel.CHAT,
    "voice": Channel.PHONE,
    "phone": Channel.PHONE,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "instagram_dm": Channel.SOCIAL,
    "whatsapp": Channel.SOCIAL,
    "messenger": Channel.SOCIAL,
    "line": Channel.SOCIAL,
    "wechat": Channel.SOCIAL,
    "telegram": Channel.SOCIAL,
    "sms": Channel.SOCIAL,
    "any_channel": Channel.SOCIAL,
}
STATUSES = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.PENDING,
    "solved": Status.SOLVED,
    "closed": Status.CLOSED,
}
DELETED = "deleted"
# Good → 5 and Bad → 1, as the CSV import: Pulse's CSAT (share of 4–5) equals Zendesk's satisfaction rate.
SCORES = {"good": 5, "bad": 1}


class Zendesk(Helpdesk):
    def check(self) -> ConnectionCheck:
        me = self.client.get("/api/v2/users/me.json").data.get("user") or {}
        if not me.get("id") or me.get("role") not in ("admin", "agent"):
            raise HelpdeskError("Zendesk signed Pulse in as an anonymous user or end user: use an admin's API token.")
        groups = []
        url: str | None = "/api/v2/groups.json"
        params: dict[str, Any] | None = {"page[size]": 100}
        while url:
            data = self.client.get(url, params).data
            groups += [group["name"] for group in data.get("groups", []) if not group.get("deleted")]
            url, params = _next_link(data), None
        return ConnectionCheck(account=f"{me.get('name', '')} ({me.get('role')})", groups=sorted(groups))

    def ticket_pages(self, *, cursor: str, start: dt.datetime) -> Iterator[TicketPage]:
        params: dict[str, Any] = {"include": SIDE_LOADS, "per_page": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = int(start.timestamp())
        while True:
            data = self.client.get(TICKET_EXPORT_PATH, params).data
            next_cursor = data.get("after_cursor") or params.get("cursor") or ""
            yield TicketPage(
                tickets=tickets_from_export(data),
                cursor=next_cursor,
                end_of_stream=bool(data.get("end_of_stream", True)),
            )
            if data.get("end_of_stream", True) or not data.get("after_cursor"):
                return
            params = {"include": SIDE_LOADS, "per_page": PAGE_SIZE, "cursor": data["after_cursor"]}

    def rating_pages(self, *, since: dt.datetime) -> Iterator[list[HelpdeskRating]]:
        url: str | None = RATINGS_PATH
        params: dict[str, Any] | None = {
            "score": "received",
            "start_time": int(since.timestamp()),
            "page[size]": RATINGS_PAGE_SIZE,
        }
        while url:
            data = self.client.get(url, params).data
            yield [rating for rating in map(rating_from_api, data.get("satisfaction_ratings", [])) if rating]
            url, params = _next_link(data), None


def _next_link(data: dict[str, Any]) -> str | None:
    """The next page of a cursor-paginated list (`meta.has_more`, `links.next`), or of an offset one."""
    meta, links = data.get("meta") or {}, data.get("links") or {}
    if meta:
        return links.get("next") if meta.get("has_more") else None
    return data.get("next_page")


def tickets_from_export(data: dict[str, Any]) -> list[HelpdeskTicket]:
    """One page of the incremental export as helpdesk-neutral tickets (side-loads joined by id)."""
    users = {user["id"]: user for user in data.get("users", [])}
    groups = {group["id"]: group for group in data.get("groups", [])}
    metrics = {metric["ticket_id"]: metric for metric in data.get("metric_sets", [])}
    organizations = {organization["id"]: organization for organization in data.get("organizations") or []}
    found = []
    for ticket in data.get("tickets", []):
        ticket_id = str(ticket["id"])
        changed_at = parse_time(ticket.get("updated_at"))
        if ticket.get("status") == DELETED:
            found.append(HelpdeskTicket(id=ticket_id, deleted=True, changed_at=changed_at))
            continue
        group = groups.get(ticket.get("group_id"))
        assignee = users.get(ticket.get("assignee_id"))
        found.append(
            HelpdeskTicket(
                id=ticket_id,
                group_name=(group or {}).get("name") if ticket.get("group_id") else None,
                assignee_email=(assignee or {}).get("email") or None,
                fields=ticket_fields(ticket, metrics.get(ticket["id"]) or {}),
                customer=_customer(ticket.get("organization_id"), organizations),
                changed_at=changed_at,
            )
        )
    return found


def _customer(organization_id: Any, organizations: dict[Any, dict[str, Any]]) -> HelpdeskCustomer | None:
    """The ticket's organization; one the page did not side-load (deleted since) is named by its id."""
    if not organization_id:
        return None
    organization = organizations.get(organization_id) or {}
    created_at = parse_time(organization.get("created_at"))
    name = str(organization.get("name") or "").strip()
    return HelpdeskCustomer(
        id=str(organization_id),
        name=name or f"Zendesk organization {organization_id}",
        started_on=created_at.date() if created_at is not None else None,
        named=bool(name),
    )


def ticket_fields(ticket: dict[str, Any], metric: dict[str, Any]) -> dict[str, Any]:
    """A Zendesk ticket and its metric set as `tickets_upsert` fields (calendar time, as Pulse's KPIs)."""
    created_at = parse_time(ticket.get("created_at"))
    status = STATUSES.get(ticket.get("status"), ticket.get("status"))  # an unknown status is refused, not guessed
    via = (ticket.get("via") or {}).get("channel") or ""
    fields = {
        "channel": CHANNELS.get(str(via).lower(), Channel.OTHER),
        "category": ticket.get("type") or "",
        "priority": ticket.get("priority") or Priority.NORMAL,
        "status": status,
        "created_at": created_at,
        "first_response_at": _after(created_at, metric, "reply_time_in_seconds", "reply_time_in_minutes"),
        "solved_at": _solved_at(created_at, status, metric),
        "handle_time_seconds": None,  # Zendesk's API has no handle time (the Time Tracking app is a custom field)
        "agent_replies": metric.get("replies") or 0,
        "reopened_count": metric.get("reopens") or 0,
    }
    fields.update(business_seconds(metric, fields))
    return fields


def business_seconds(metric: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Zendesk's own business-hours durations (`business` minutes of the metric set, × 60), as given.

    Kept only when Zendesk gives one for every duration the ticket has (first reply when it was answered,
    full resolution when it is solved): otherwise none is kept and Pulse computes both from the team's
    schedule, so one ticket's two figures never come from two different calendars.
    """
    wanted = {
        "first_response_business_seconds": ("reply_time_in_minutes", fields["first_response_at"]),
        "resolution_business_seconds": ("full_resolution_time_in_minutes", fields["solved_at"]),
    }
    found: dict[str, Any] = {}
    for name, (metric_name, moment) in wanted.items():
        if moment is None:
            found[name] = None
            continue
        minutes = (metric.get(metric_name) or {}).get("business")
        if not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes < 0:
            return {}
        found[name] = round(minutes * 60)
    if all(value is None for value in found.values()):
        return {}
    return {**found, "business_seconds_source": BusinessSecondsSource.HELPDESK}


def _after(created_at: dt.datetime | None, metric: dict[str, Any], seconds: str, minutes: str) -> dt.datetime | None:
    """created_at plus a metric's calendar duration (seconds when Zendesk gives them, else minutes)."""
    if created_at is None:
        return None
    in_seconds = (metric.get(seconds) or {}).get("calendar")
    if in_seconds is not None:
        return created_at + dt.timedelta(seconds=in_seconds)
    in_minutes = (metric.get(minutes) or {}).get("calendar")
    if in_minutes is not None:
        return created_at + dt.timedelta(minutes=in_minutes)
    return None


def _solved_at(created_at: dt.datetime | None, status: str, metric: dict[str, Any]) -> dt.datetime | None:
    """The last solve of a solved or closed ticket; a reopened ticket is not solved."""
    if status not in (Status.SOLVED, Status.CLOSED):
        return None
    return parse_time(metric.get("solved_at")) or _after(
        created_at, metric, "full_resolution_time_in_seconds", "full_resolution_time_in_minutes"
    )


def rating_from_api(rating: dict[str, Any]) -> HelpdeskRating | None:
    if not rating.get("ticket_id"):
        return None
    return HelpdeskRating(
        ticket_id=str(rating["ticket_id"]),
        score=SCORES.get(str(rating.get("score") or "").lower()),
        responded_at=parse_time(rating.get("updated_at")) or parse_time(rating.get("created_at")),
        comment=rating.get("comment") or "",
    )
