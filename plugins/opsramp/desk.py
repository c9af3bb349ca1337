"""Incidents as the normalised ticket desk (`ticketing` in wit/berth.wit):
OpsRamp's incidents and responses mapped through tables.py, searches built
from the normalised filters.

Paging: the desk's cursor is `{query fingerprint}:{pageNo}`, so a cursor
handed back with other filters is refused rather than silently applied.
"""

import hashlib
import json
from typing import Any, Dict

from berth_sdk import ToolError
from berth_sdk.ticketing import (
    Comment,
    NewComment,
    NewTicket,
    SearchQuery,
    Ticket,
    TicketDetails,
    TicketPage,
    TicketUpdate,
)

import incidents
import people
import tables
from query import has_next, query_date, results, rfc3339

# Shown for a ticket OpsRamp gave no time, so that merging by time still works.
EPOCH = "1970-01-01T00:00:00Z"


def ticket(incident: Dict[str, Any]) -> Ticket:
    """An OpsRamp incident as a normalised ticket."""
    status = str(incident.get("status") or "New")
    assignee = people.person(incident.get("assignedUser"))
    priority = incident.get("priority")
    group = incident.get("assigneeGroup")
    created = rfc3339(incident.get("createdDate")) or EPOCH
    return Ticket(
        key=str(incident.get("id")),
        title=str(incident.get("subject") or ""),
        description=str(incident.get("description") or ""),
        status=tables.category_of(status, assignee is not None),
        status_name=status,
        priority=tables.level_of(priority),
        priority_name=priority,
        assignee=assignee,
        requester=people.person(incident.get("requester")),
        group=group.get("name") if isinstance(group, dict) else None,
        created=created,
        updated=rfc3339(incident.get("updatedDate")) or created,
        labels=[],
        url=None,
    )


def comment(response: Dict[str, Any], index: int) -> Comment:
    """An incident response as a comment; OpsRamp gives responses no id
    of their own everywhere, so their position stands in for one."""
    return Comment(
        id=str(response.get("id") or index + 1),
        author=people.person(response.get("creator")),
        body=str(response.get("description") or ""),
        public=not response.get("internal", False),
        created=rfc3339(response.get("createdDate")) or EPOCH,
    )


def filters(query: SearchQuery) -> Dict[str, Any]:
    """The `queryString` filters for `query`."""
    return {
        "status": tables.statuses_for(query.statuses),
        "priority": [tables.priority_for(level) for level in query.priorities],
        "subject": query.text,
        "assignedTo": people.user_id(query.assignee) if query.assignee else None,
        "requester": people.user_id(query.requester) if query.requester else None,
        "startUpdationDate": query_date(query.updated_since, "updated_since") if query.updated_since else None,
    }


def fingerprint(query: SearchQuery) -> str:
    """A short hash of what `query` asks, without its paging."""
    asked = [query.text, query.statuses, query.priorities, query.assignee, query.requester, query.updated_since]
    return hashlib.sha256(json.dumps([asked, query.limit]).encode()).hexdigest()[:12]


def page_of(query: SearchQuery) -> int:
    """The OpsRamp page `query.cursor` leads to (1 without one)."""
    if query.cursor is None:
        return 1
    mark, _, page = query.cursor.partition(":")
    if mark != fingerprint(query) or not page.isdigit():
        raise ToolError.invalid_arguments("this cursor belongs to a search with other filters; start again without it")
    return int(page)


def search(query: SearchQuery) -> TicketPage:
    """Incidents matching `query`, newest update first."""
    page = page_of(query)
    envelope = incidents.search(filters(query), page, max(1, min(query.limit, 100)))
    found = [ticket(each) for each in results(envelope, "the incident search")]
    if query.statuses:
        # OpsRamp's `Open` is `open` or `in-progress` by its assignee, which
        # no search term tells apart.
        found = [each for each in found if each.status in query.statuses]
    cursor = f"{fingerprint(query)}:{page + 1}" if has_next(envelope) else None
    return TicketPage(found, cursor)


def get(key: str) -> TicketDetails:
    """Incident `key` with its responses as comments, oldest first."""
    incident = incidents.read(key)
    said = incidents.responses(key)
    return TicketDetails(ticket(incident), [comment(each, index) for index, each in enumerate(said)])


def create(new: NewTicket) -> Ticket:
    """Files an incident."""
    priority = None if new.priority is None else tables.priority_for(new.priority)
    filed = incidents.create(new.title, new.description, priority, new.assignee, new.requester, new.queue)
    return ticket(filed)


def add_comment(key: str, new: NewComment) -> Comment:
    """Adds a response: public, or an internal note."""
    added = incidents.respond(key, new.body, internal=not new.public)
    return comment(added, len(incidents.responses(key)) - 1)


def update(key: str, change: TicketUpdate) -> Ticket:
    """Changes incident `key`: status by its allowed flow, assignee, priority."""
    body: Dict[str, Any] = {}
    if change.status is not None:
        body["status"] = tables.status_for(change.status)
    if change.priority is not None:
        body["priority"] = tables.priority_for(change.priority)
    if change.assignee is not None:
        body["assignedUser"] = people.reference(change.assignee.to) if change.assignee.to else None
    closing = change.status in ("resolved", "closed")
    if change.note and closing:
        # The resolution summary, as OpsRamp records it with the change.
        body["notes"] = change.note
    if not body and not change.note:
        raise ToolError.invalid_arguments(f"nothing to update on incident {key}")
    if change.note and not closing:
        incidents.respond(key, change.note, internal=True)
    return ticket(incidents.update(key, body) if body else incidents.read(key))


