"""The incident tools: search, read, file, update and answer incidents in
OpsRamp's own terms (its statuses and priorities)."""

from typing import Annotated, Any, Dict, List, Literal, Optional

from berth_sdk import Hints, tool

import incidents
import people
from query import has_next, query_date, results, rfc3339

READS = Hints(read_only=True, destructive=False, idempotent=True, open_world=True)
# Each call adds again.
ADDS = Hints(read_only=False, destructive=False, idempotent=False, open_world=True)
# Overwrites fields: repeating it changes nothing more.
OVERWRITES = Hints(read_only=False, destructive=True, idempotent=True, open_world=True)

Status = Literal["New", "Open", "Pending", "On Hold", "Resolved", "Closed"]
Priority = Literal["Urgent", "High", "Normal", "Low", "Very Low"]
IncidentId = Annotated[str, "The incident's id, such as INC0000001114.", {"pattern": "^INC[0-9]+$"}]
Who = Annotated[str, "An e-mail address, login name or user id (USR...)."]


def person(user: Any) -> Optional[Dict[str, Any]]:
    """A user as an agent sees one."""
    found = people.person(user)
    return None if found is None else {"id": found.id, "name": found.name, "email": found.email}


def summary(incident: Dict[str, Any]) -> Dict[str, Any]:
    """What an agent needs of an incident."""
    group = incident.get("assigneeGroup")
    return {
        "id": incident.get("id"),
        "subject": incident.get("subject"),
        "status": incident.get("status"),
        "priority": incident.get("priority"),
        "assignee": person(incident.get("assignedUser")),
        "requester": person(incident.get("requester")),
        "group": group.get("name") if isinstance(group, dict) else None,
        "created": rfc3339(incident.get("createdDate")),
        "updated": rfc3339(incident.get("updatedDate")),
    }


def response(said: Dict[str, Any]) -> Dict[str, Any]:
    """A response as an agent sees one."""
    return {
        "author": person(said.get("creator")),
        "text": said.get("description"),
        "internal": bool(said.get("internal")),
        "created": rfc3339(said.get("createdDate")),
    }


@tool(hints=READS, title="Search incidents")
def search_incidents(
    statuses: Annotated[List[Status], "Only incidents in one of these statuses."] = (),
    priorities: Annotated[List[Priority], "Only incidents with one of these priorities."] = (),
    subject: Annotated[Optional[str], "Words in the subject."] = None,
    assignee: Annotated[Optional[str], "Only incidents assigned to this user (e-mail or USR id)."] = None,
    updated_since: Annotated[Optional[str], "Only incidents updated at or after this RFC 3339 instant."] = None,
    page: Annotated[int, "Page number, from 1.", {"minimum": 1}] = 1,
    page_size: Annotated[int, "Incidents per page (1 to 100).", {"minimum": 1, "maximum": 100}] = 25,
) -> Dict[str, Any]:
    """Searches the tenant's incidents, most recently updated first, by status, priority, subject words,
    assignee and update time."""
    filters = {
        "status": statuses,
        "priority": priorities,
        "subject": subject,
        "assignedTo": people.user_id(assignee) if assignee else None,
        "startUpdationDate": query_date(updated_since, "updated_since") if updated_since else None,
    }
    envelope = incidents.search(filters, page, page_size)
    found = [summary(each) for each in results(envelope, "the incident search")]
    total = envelope.get("totalResults") if isinstance(envelope, dict) else None
    return {"incidents": found, "total": total, "page": page, "next_page": page + 1 if has_next(envelope) else None}


@tool(hints=READS, title="Get incident")
def get_incident(id: IncidentId) -> Dict[str, Any]:
    """Reads one incident: its fields, the statuses it may move to next, its alerts and its responses
    (public replies and internal notes), oldest first."""
    incident = incidents.read(id)
    allowed = [entry.get("name") for entry in incident.get("allowedStatus") or [] if isinstance(entry, dict)]
    return {
        **summary(incident),
        "description": incident.get("description"),
        "allowed_statuses": allowed,
        "alerts": incident.get("alertIds") or [],
        "responses": [response(each) for each in incidents.responses(id)],
    }


@tool(hints=ADDS, title="Create incident")
def create_incident(
    subject: Annotated[str, "One-line summary.", {"minLength": 1}],
    description: Annotated[str, "What happened, in plain text."],
    priority: Annotated[Optional[Priority], "How urgent it is."] = None,
    assignee: Annotated[Optional[str], "Who should work on it (e-mail or USR id)."] = None,
    group: Annotated[Optional[str], "The assignee group's name."] = None,
) -> Dict[str, Any]:
    """Files an incident. Returns it as OpsRamp now has it, with its id."""
    return summary(incidents.create(subject, description, priority, assignee, None, group))


@tool(hints=OVERWRITES, title="Update incident")
def update_incident(
    id: IncidentId,
    status: Annotated[Optional[Status], "Move it to this status; it must be one the incident allows next."] = None,
    reason: Annotated[Optional[str], "Why the status changes, where the tenant requires a reason."] = None,
    notes: Annotated[Optional[str], "Notes recorded with the change, such as a resolution summary."] = None,
    priority: Annotated[Optional[Priority], "The new priority."] = None,
    assignee: Annotated[Optional[str], "Assign it to this user (e-mail or USR id)."] = None,
) -> Dict[str, Any]:
    """Changes an incident's status, priority or assignee. Returns it as OpsRamp now has it."""
    changes: Dict[str, Any] = {
        key: value
        for key, value in {"status": status, "reason": reason, "notes": notes, "priority": priority}.items()
        if value is not None
    }
    if assignee is not None:
        changes["assignedUser"] = people.reference(assignee)
    return summary(incidents.update(id, changes))


@tool(hints=ADDS, title="Add incident response")
def add_incident_response(
    id: IncidentId,
    text: Annotated[str, "The response, in plain text.", {"minLength": 1}],
    internal: Annotated[bool, "An internal note that the requester does not see."] = False,
) -> Dict[str, Any]:
    """Adds a response to an incident: a public reply, or an internal note."""
    return response(incidents.respond(id, text, internal))


TOOLS = [search_incidents, get_incident, create_incident, update_incident, add_incident_response]
