"""What every helpdesk module gives the sync: tickets and ratings in Pulse's terms, page by page."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .http import HelpdeskClient


@dataclass
class HelpdeskCustomer:
    """The account a ticket is for (Zendesk's organization, Freshdesk's company), as the helpdesk names it."""

    id: str
    name: str
    started_on: dt.date | None = None  # the day the helpdesk created it
    named: bool = True  # False: the helpdesk no longer lists it (deleted); `name` is a stand-in, never a rename


@dataclass
class HelpdeskTicket:
    """One ticket as the helpdesk has it now, its values already in Pulse's fields and units."""

    id: str
    deleted: bool = False
    group_name: str | None = None  # None: the ticket has no group
    assignee_email: str | None = None  # None: unassigned
    fields: dict[str, Any] = field(default_factory=dict)  # channel, status, created_at, … (tickets_upsert's)
    customer: HelpdeskCustomer | None = None  # None: the ticket names no organisation / company
    changed_at: dt.datetime | None = None  # how far through the helpdesk's timeline this page is


@dataclass
class HelpdeskRating:
    """A customer's satisfaction rating of a ticket; `score` None when it is no response (offered, unoffered)."""

    ticket_id: str
    score: int | None
    responded_at: dt.datetime
    comment: str = ""


@dataclass
class TicketPage:
    tickets: list[HelpdeskTicket]
    cursor: str  # where the next sync starts once this page is written
    end_of_stream: bool


@dataclass
class ConnectionCheck:
    """What "Test connection" shows: who Pulse signed in as and the helpdesk's groups."""

    account: str
    groups: list[str]


class Helpdesk(ABC):
    """One helpdesk's API read through a `HelpdeskClient`; subclasses know its paths and shapes."""

    def __init__(self, client: HelpdeskClient) -> None:
        self.client = client

    @abstractmethod
    def check(self) -> ConnectionCheck:
        """Sign in and list the groups (raises HelpdeskError with a message for the admin)."""

    @abstractmethod
    def ticket_pages(self, *, cursor: str, start: dt.datetime) -> Iterator[TicketPage]:
        """Tickets changed since `cursor` (or since `start` when there is none yet), oldest change first."""

    @abstractmethod
    def rating_pages(self, *, since: dt.datetime) -> Iterator[list[HelpdeskRating]]:
        """Satisfaction ratings given or changed since `since`."""


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime from the helpdesks' ISO 8601 strings ("2026-01-31T09:00:00Z"); None when empty."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
