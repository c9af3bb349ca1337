"""Alerts: search them, read one, acknowledge or suppress it."""

import re
from typing import Annotated, Any, Dict, List, Literal, Optional

from berth_sdk import Hints, ToolError, tool

import client
from query import has_next, query_date, query_string, results, rfc3339, search_params

# Alert ids are numbers: `389547`.
ALERT_ID = re.compile(r"^[0-9]+$")

# What alert searches sort by: the alert's time, newest first.
SORT = "ts"

READS = Hints(read_only=True, destructive=False, idempotent=True, open_world=True)
# An action on an alert: repeating it changes nothing more.
ACTS = Hints(read_only=False, destructive=False, idempotent=True, open_world=True)

State = Literal["Critical", "Warning", "Ok", "Info"]
Action = Literal["OPEN", "ACKNOWLEDGED", "TICKETED", "SUPPRESSED", "CLOSED"]
AlertPriority = Literal["P0", "P1", "P2", "P3", "P4", "P5"]
PageSize = Annotated[int, "Alerts per page (1 to 100).", {"minimum": 1, "maximum": 100}]


def checked_id(alert: str) -> str:
    """`alert` if it is an alert id, else `invalid-arguments`."""
    alert = alert.strip()
    if not ALERT_ID.match(alert):
        raise ToolError.invalid_arguments(f"`{alert}` is not an OpsRamp alert id, such as 389547")
    return alert


def summary(alert: Dict[str, Any]) -> Dict[str, Any]:
    """What an agent needs of an alert."""
    resource = alert.get("resource") or alert.get("device") or {}
    return {
        "id": str(alert.get("uniqueId") or alert.get("id") or ""),
        "subject": alert.get("subject"),
        "state": alert.get("currentState"),
        "previous_state": alert.get("oldState"),
        "status": alert.get("status"),
        "priority": alert.get("priority"),
        "acknowledged": bool(alert.get("acknowledged")),
        "suppressed": bool(alert.get("suppressed")),
        "closed": bool(alert.get("closed")),
        "incident": alert.get("incidentId") or None,
        "resource": resource.get("name") if isinstance(resource, dict) else None,
        "metric": alert.get("metric") or alert.get("serviceName"),
        "type": alert.get("alertType"),
        "repeats": alert.get("repeatCount"),
        "raised": rfc3339(alert.get("alertTime")),
        "updated": rfc3339(alert.get("updatedTime")),
    }


def read(alert: str) -> Dict[str, Any]:
    """Alert `alert`, as OpsRamp has it."""
    alert = checked_id(alert)
    return client.get(f"alerts/{alert}", f"alert {alert}")


@tool(hints=READS, title="Search alerts")
def search_alerts(
    states: Annotated[List[State], "Only alerts in one of these states."] = (),
    actions: Annotated[List[Action], "Only alerts in one of these workflow states (OPEN: not acted on)."] = (),
    priorities: Annotated[List[AlertPriority], "Only alerts with one of these priorities."] = (),
    since: Annotated[Optional[str], "Only alerts updated at or after this RFC 3339 instant."] = None,
    until: Annotated[Optional[str], "Only alerts updated before this RFC 3339 instant."] = None,
    incident: Annotated[Optional[str], "Only alerts attached to this incident (INC...)."] = None,
    page: Annotated[int, "Page number, from 1.", {"minimum": 1}] = 1,
    page_size: PageSize = 25,
) -> Dict[str, Any]:
    """Searches the tenant's alerts, newest first, by state (Critical, Warning, Ok, Info), workflow
    (OPEN, ACKNOWLEDGED, TICKETED, SUPPRESSED, CLOSED), priority, update time and incident."""
    filters = [
        ("states", states),
        ("actions", actions),
        ("priority", priorities),
        ("startDate", query_date(since, "since") if since else None),
        ("endDate", query_date(until, "until") if until else None),
        ("alertTimeBase", "updated" if since or until else None),
        ("ticketId", incident),
    ]
    params = search_params(query_string(filters), page, page_size, SORT)
    envelope = client.get("alerts/search", "the alert search", params)
    found = [summary(each) for each in results(envelope, "the alert search")]
    total = envelope.get("totalResults") if isinstance(envelope, dict) else None
    return {"alerts": found, "total": total, "page": page, "next_page": page + 1 if has_next(envelope) else None}


@tool(hints=READS, title="Get alert")
def get_alert(id: Annotated[str, "The alert's id, such as 389547."]) -> Dict[str, Any]:
    """Reads one alert: its state, workflow flags, resource, metric, incident and description."""
    alert = read(id)
    return {**summary(alert), "description": alert.get("description")}


def act(alert: str, action: str, note: Optional[str]) -> Dict[str, Any]:
    """Takes `action` on `alert`; returns the alert as OpsRamp then has it."""
    alert = checked_id(alert)
    body = {"description": note or f"{action} by an agent through Berth"}
    client.post(f"alerts/{alert}/actions/{action}", f"the {action} of alert {alert}", body)
    return summary(read(alert))


@tool(hints=ACTS, title="Acknowledge alert")
def acknowledge_alert(
    id: Annotated[str, "The alert's id."],
    note: Annotated[Optional[str], "Why, recorded with the acknowledgement."] = None,
) -> Dict[str, Any]:
    """Acknowledges an alert: someone is looking at it. Returns the alert as it now is."""
    return act(id, "acknowledge", note)


@tool(hints=ACTS, title="Suppress alert")
def suppress_alert(
    id: Annotated[str, "The alert's id."],
    note: Annotated[Optional[str], "Why, recorded with the suppression."] = None,
) -> Dict[str, Any]:
    """Suppresses an alert: it stops notifying until it changes state. Returns the alert as it now is."""
    return act(id, "suppress", note)


TOOLS = [search_alerts, get_alert, acknowledge_alert, suppress_alert]
