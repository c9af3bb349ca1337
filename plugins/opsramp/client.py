"""Requests to the tenant's OpsRamp API
(`https://{api_host}/api/v2/tenants/{tenant_id}/...`).

Every request names the `opsramp` credential: the host obtains an OAuth
token with the client-credentials grant at `https://{api_host}/auth/oauth/token`,
caches it until shortly before it expires, renews it on a 401 and sends it
as `Authorization: Bearer`. Answers are JSON (OpsRamp's actions answer an
empty 200); anything else, and every failure, becomes a tool error in
errors.py.
"""

import json
from typing import Any, Dict, Optional

from berth_sdk import ToolError, http

from errors import CREDENTIAL, status_error, transport_error
from settings import tenant_root


def exchange(method: str, path: str, target: str, *, query: Optional[Dict[str, Any]] = None, body: Any = None) -> Any:
    """Sends one request about `target` (for errors); returns the answer's
    JSON, `None` for an empty answer."""
    url = http.with_query(f"{tenant_root()}/{path}", query or {})
    response = http.send(
        method,
        url,
        headers=[("accept", "application/json")],
        json=body,
        credential=CREDENTIAL,
        on_failure=transport_error,
    )
    if not response.ok:
        raise status_error(response, target)
    if not response.body.strip():
        return None
    try:
        return json.loads(response.text())
    except ValueError as error:
        raise ToolError.upstream(response.status, f"OpsRamp's answer about {target} is not JSON: {error}") from None


def get(path: str, target: str, query: Optional[Dict[str, Any]] = None) -> Any:
    """`GET .../{path}` with `query`."""
    return exchange("get", path, target, query=query)


def post(path: str, target: str, body: Any) -> Any:
    """`POST .../{path}` with the JSON `body` (OpsRamp creates, updates and
    acts with POST)."""
    return exchange("post", path, target, body=body)
