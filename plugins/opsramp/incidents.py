"""Incidents (OpsRamp's tickets): read, search, file, change and answer
them. The tools and the normalised desk share these; each returns
OpsRamp's own JSON."""

import re
from typing import Any, Dict, List, Optional

from berth_sdk import ToolError

import client
import people
from query import query_string, search_params, results

# `INC0000001114`.
INCIDENT_ID = re.compile(r"^INC[0-9]+$")

# What incident searches sort by: the last change, newest first.
SORT = "updatedDate"


def checked_id(incident: str) -> str:
    """`incident` if it is an incident id, else `invalid-arguments`."""
    incident = incident.strip()
    if not INCIDENT_ID.match(incident):
        raise ToolError.invalid_arguments(f"`{incident}` is not an OpsRamp incident id, such as INC0000001114")
    return incident


def read(incident: str) -> Dict[str, Any]:
    """Incident `incident` (with its `allowedStatus`)."""
    incident = checked_id(incident)
    return client.get(f"incidents/{incident}", f"incident {incident}")


def responses(incident: str) -> List[Dict[str, Any]]:
    """The incident's responses (comments and notes), oldest first."""
    incident = checked_id(incident)
    params = search_params(None, 1, 100, "createdDate")
    params["isDescendingOrder"] = False
    found = client.get(f"incidents/{incident}/responses/search", f"the responses of incident {incident}", params)
    return results(found, f"the responses of incident {incident}")


def search(filters: Dict[str, Any], page: int, page_size: int) -> Dict[str, Any]:
    """One page of incidents matching `filters` (`queryString` keys to
    values), newest update first: OpsRamp's envelope."""
    query = query_string(list(filters.items()))
    return client.get("incidents/search", "the incident search", search_params(query, page, page_size, SORT))


def create(
    subject: str,
    description: str,
    priority: Optional[str],
    assignee: Optional[str],
    requester: Optional[str],
    group: Optional[str],
) -> Dict[str, Any]:
    """Files an incident; returns it as OpsRamp now has it."""
    body: Dict[str, Any] = {"subject": subject, "description": description}
    if priority is not None:
        body["priority"] = priority
    if assignee is not None:
        body["assignedUser"] = people.reference(assignee)
    if requester is not None:
        body["requester"] = people.reference(requester)
    if group is not None:
        body["assigneeGroup"] = {"name": group}
    return client.post("incidents", "the new incident", body)


def update(incident: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Applies `changes` (OpsRamp's partial update: `status`, `reason`,
    `priority`, `assignedUser`, `notes`); returns the incident as OpsRamp
    then has it. A status must be one the incident allows now."""
    incident = checked_id(incident)
    if not changes:
        raise ToolError.invalid_arguments(f"nothing to update on incident {incident}")
    status = changes.get("status")
    if status is not None:
        current = read(incident)
        allowed = [entry.get("name") for entry in current.get("allowedStatus") or [] if isinstance(entry, dict)]
        if status != current.get("status") and allowed and status not in allowed:
            raise ToolError.invalid_arguments(
                f"incident {incident} cannot move from {current.get('status')} to {status}; OpsRamp allows "
                f"{', '.join(name for name in allowed if name)} from there"
            )
        if status == current.get("status"):
            changes = {key: value for key, value in changes.items() if key != "status"}
    if changes:
        answer = client.post(f"incidents/{incident}", f"incident {incident}", changes)
        if isinstance(answer, dict) and answer.get("id") == incident:
            return answer
    return read(incident)


def respond(incident: str, text: str, internal: bool) -> Dict[str, Any]:
    """Adds a response to the incident: public, or an internal note."""
    incident = checked_id(incident)
    body = {"description": text, "internal": internal}
    answer = client.post(f"incidents/{incident}/responses", f"a response to incident {incident}", body)
    return answer if isinstance(answer, dict) else body
