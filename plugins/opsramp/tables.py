"""OpsRamp's incident vocabulary and the normalised ticket desk's, both
ways. The tables are the whole mapping; the functions only look them up.

Statuses, read (OpsRamp `status` → category; the status name is OpsRamp's
own word):

| `status` | assigned user | category      | note                                          |
|----------|---------------|---------------|-----------------------------------------------|
| New      | —             | `new`         | nobody has acted on it                        |
| Open     | none          | `open`        | acknowledged, waiting for someone to take it  |
| Open     | someone       | `in-progress` | OpsRamp has no "in progress": an assigned     |
|          |               |               | open incident is being worked on              |
| Pending  | —             | `pending`     | waiting on the requester                      |
| On Hold  | —             | `pending`     | suspended, waiting on a third party           |
| Resolved | —             | `resolved`    | may still be reopened                         |
| Closed   | —             | `closed`      | finished for good                             |

Statuses, written (category → OpsRamp `status`; a change must be one of
the incident's `allowedStatus` names, which the adapter checks first):

| category      | `status` |
|---------------|----------|
| `new`         | New      |
| `open`        | Open     |
| `in-progress` | Open     |
| `pending`     | Pending  |
| `resolved`    | Resolved |
| `closed`      | Closed   |

Priorities (OpsRamp `priority` ↔ normalised), read and written, one to one:

| `priority` | normalised |
|------------|------------|
| Urgent     | `critical` |
| High       | `high`     |
| Normal     | `medium`   |
| Low        | `low`      |
| Very Low   | `planning` |
"""

from typing import Dict, List, Optional, Tuple

# OpsRamp `status`, and whether someone is assigned (`None`: either way) →
# category.
STATUS_CATEGORIES: List[Tuple[str, Optional[bool], str]] = [
    ("New", None, "new"),
    ("Open", False, "open"),
    ("Open", True, "in-progress"),
    ("Pending", None, "pending"),
    ("On Hold", None, "pending"),
    ("Resolved", None, "resolved"),
    ("Closed", None, "closed"),
]

# Category → the OpsRamp `status` written for it.
CATEGORY_STATUS: Dict[str, str] = {
    "new": "New",
    "open": "Open",
    "in-progress": "Open",
    "pending": "Pending",
    "resolved": "Resolved",
    "closed": "Closed",
}

# OpsRamp `priority` → normalised priority.
PRIORITY_LEVELS: Dict[str, str] = {
    "Urgent": "critical",
    "High": "high",
    "Normal": "medium",
    "Low": "low",
    "Very Low": "planning",
}

# Normalised priority → OpsRamp `priority`.
LEVEL_PRIORITY: Dict[str, str] = {level: priority for priority, level in PRIORITY_LEVELS.items()}

# Every incident status OpsRamp has, in life order.
STATUSES = ("New", "Open", "Pending", "On Hold", "Resolved", "Closed")

# Every incident priority, most urgent first.
PRIORITIES = ("Urgent", "High", "Normal", "Low", "Very Low")


def category_of(status: str, assigned: bool) -> str:
    """The category of an incident in OpsRamp `status`, assigned or not. A
    status OpsRamp may add later reads as `open` rather than failing."""
    for known, needs_assignee, category in STATUS_CATEGORIES:
        if known == status and (needs_assignee is None or needs_assignee == assigned):
            return category
    return "open"


def status_for(category: str) -> str:
    """The OpsRamp `status` written for `category`."""
    return CATEGORY_STATUS[category]


def level_of(priority: Optional[str]) -> Optional[str]:
    """The normalised priority of OpsRamp `priority`, or `None`."""
    return None if priority is None else PRIORITY_LEVELS.get(priority)


def priority_for(level: str) -> str:
    """The OpsRamp `priority` written for normalised `level`."""
    return LEVEL_PRIORITY[level]


def statuses_for(categories: List[str]) -> List[str]:
    """The OpsRamp statuses to search for to find incidents in any of
    `categories`, in life order. `Open` stands for both `open` and
    `in-progress`: the caller keeps the results whose category is wanted."""
    return [status for status in STATUSES if any(row[0] == status and row[2] in categories for row in STATUS_CATEGORIES)]
