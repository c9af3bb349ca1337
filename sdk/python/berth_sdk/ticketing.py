"""The normalised ticket desk (`ticketing` in wit/berth.wit) as plain
Python values. A plugin that fronts a ticket system implements the five
functions of `TicketSystem` over these and passes it to `Plugin(...,
ticketing=...)`; the host then serves the tenant's `tickets_*` tools over it.

Statuses and priorities are the WIT names as strings (`in-progress`,
`critical`). Keep the mappings between the system's vocabulary and these as
data, one table per direction, so they can be documented and tested.
"""

from dataclasses import dataclass, field
from typing import List, Optional, Protocol

from .errors import ToolError

# `status-category`, in order from filed to finished.
STATUS_CATEGORIES = ("new", "open", "pending", "in-progress", "resolved", "closed")

# `priority`, most urgent first.
PRIORITIES = ("critical", "high", "medium", "low", "planning")


@dataclass
class Person:
    """Someone in the ticket system: its own `id`, and what it tells of them."""

    id: str
    name: Optional[str] = None
    email: Optional[str] = None


@dataclass
class Ticket:
    """A ticket in the normalised model. The host names it `{plugin}:{key}`."""

    key: str
    title: str
    description: str
    # One of `STATUS_CATEGORIES`; `status_name` is the system's own word.
    status: str
    status_name: str
    # RFC 3339; searches across systems are merged by `updated`.
    created: str
    updated: str
    # One of `PRIORITIES`, or `None`; `priority_name` is the system's own word.
    priority: Optional[str] = None
    priority_name: Optional[str] = None
    assignee: Optional[Person] = None
    requester: Optional[Person] = None
    group: Optional[str] = None
    labels: List[str] = field(default_factory=list)
    # Where a human opens it.
    url: Optional[str] = None


@dataclass
class Comment:
    """A comment (`public`) or an internal note on a ticket."""

    id: str
    body: str
    public: bool
    created: str
    author: Optional[Person] = None


@dataclass
class TicketDetails:
    """A ticket with its conversation, oldest comment first."""

    ticket: Ticket
    comments: List[Comment]


@dataclass
class SearchQuery:
    """What `search` gets. Empty lists and `None` do not filter."""

    text: Optional[str] = None
    statuses: List[str] = field(default_factory=list)
    priorities: List[str] = field(default_factory=list)
    # An e-mail address or the system's user id.
    assignee: Optional[str] = None
    requester: Optional[str] = None
    # RFC 3339 in UTC with `Z`: `2026-11-27T10:15:00Z`.
    updated_since: Optional[str] = None
    limit: int = 25
    # A `TicketPage.cursor` this plugin returned for the same query.
    cursor: Optional[str] = None


@dataclass
class TicketPage:
    """One page of a search, newest `updated` first; `cursor` leads to the
    next page and is `None` on the last."""

    tickets: List[Ticket]
    cursor: Optional[str] = None


@dataclass
class NewTicket:
    """What `create` gets."""

    title: str
    description: str
    priority: Optional[str] = None
    assignee: Optional[str] = None
    # On whose behalf; the credential's own user when `None`.
    requester: Optional[str] = None
    # Where to file it in the system's terms; the plugin's default when `None`.
    queue: Optional[str] = None
    labels: List[str] = field(default_factory=list)


@dataclass
class NewComment:
    """What `add_comment` gets: public, or an internal note."""

    body: str
    public: bool


@dataclass
class Assignment:
    """Who a ticket should go to: `to` (an e-mail address or the system's
    user id), or nobody when `to` is `None`."""

    to: Optional[str]


@dataclass
class TicketUpdate:
    """What `update` gets; `None` leaves a field as it is."""

    status: Optional[str] = None
    # The resolution note for `resolved`/`closed`, else an internal note.
    note: Optional[str] = None
    assignee: Optional[Assignment] = None
    priority: Optional[str] = None


class TicketSystem(Protocol):
    """The five functions a ticket adapter implements (an object or a
    module), each raising `ToolError` to fail. The host has checked the
    arguments' shape, and strips the `{plugin}:` prefix from keys."""

    def search(self, query: SearchQuery) -> TicketPage: ...

    def get(self, key: str) -> TicketDetails: ...

    def create(self, ticket: NewTicket) -> Ticket: ...

    def add_comment(self, key: str, comment: NewComment) -> Comment: ...

    def update(self, key: str, update: TicketUpdate) -> Ticket: ...


TICKETING_FUNCTIONS = ("search", "get", "create", "add_comment", "update")


def check_system(system: object) -> None:
    """Fails at build time, not at the first call, when `system` lacks one
    of the five functions."""
    missing = [name for name in TICKETING_FUNCTIONS if not callable(getattr(system, name, None))]
    if missing:
        raise TypeError(f"the ticket system lacks {', '.join(missing)}")


def checked(ticket: Ticket) -> Ticket:
    """`ticket`, or an `internal` tool error (rather than a trap the host
    can only call a crash) when its status or priority is not a normalised
    value: a mapping table missed one."""
    if ticket.status not in STATUS_CATEGORIES:
        raise ToolError.internal(f"ticket `{ticket.key}` has status `{ticket.status}`, which is not a status category")
    if ticket.priority is not None and ticket.priority not in PRIORITIES:
        raise ToolError.internal(f"ticket `{ticket.key}` has priority `{ticket.priority}`, which is not a priority")
    return ticket
