"""Users: as people in answers, and as the references OpsRamp wants when
someone is named by e-mail address or user id (`USR0000002146`)."""

import re
from typing import Any, Dict, Optional

from berth_sdk import ToolError
from berth_sdk.ticketing import Person

import client
from query import query_string, results

# `USR0000002146`.
USER_ID = re.compile(r"^USR[0-9]+$")


def person(user: Any) -> Optional[Person]:
    """An OpsRamp user object (`{id, loginName, firstName, lastName,
    email}`) as a person; `None` for none."""
    if not isinstance(user, dict) or not user.get("id"):
        return None
    name = " ".join(str(user.get(part) or "").strip() for part in ("firstName", "lastName")).strip()
    return Person(id=str(user["id"]), name=name or user.get("loginName"), email=user.get("email") or None)


def find(who: str) -> Dict[str, Any]:
    """The user named by `who`: a user id, an e-mail address or a login
    name; `not-found` when the tenant has none."""
    who = who.strip()
    key = "email" if "@" in who else "loginName"
    found = client.get(
        "users/search", f"the user {who}", {"queryString": query_string([(key, who)]), "pageNo": 1, "pageSize": 2}
    )
    for user in results(found, f"the user {who}"):
        if str(user.get(key, "")).lower() == who.lower():
            return user
    raise ToolError.not_found(f"OpsRamp has no user `{who}` in this tenant; name users by e-mail or USR id")


def user_id(who: str) -> str:
    """The user id of `who` (an id passes through unasked)."""
    who = who.strip()
    return who if USER_ID.match(who) else str(find(who)["id"])


def reference(who: str) -> Dict[str, str]:
    """`{"id": ...}`: how an incident names a user."""
    return {"id": user_id(who)}
