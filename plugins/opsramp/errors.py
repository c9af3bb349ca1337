"""The one place where OpsRamp's failures become tool errors, each saying
what to do about it:

| OpsRamp answers                             | tool error          | the message says                            |
|---------------------------------------------|---------------------|---------------------------------------------|
| token request refused (`Bad API             | `denied`            | which credential, and how to store it       |
| credentials`, `unsupported_grant_type`)     |                     | (client credentials, the token URL)         |
| 400 (validation, status flow, reasons)      | `invalid-arguments` | OpsRamp's reason                            |
| 401 `invalid_token`                         | `denied`            | the token was refused after a fresh one;    |
|                                             |                     | check the key's tenant and that it is active|
| 403                                         | `denied`            | the key's role lacks access, or `tenant_id` |
|                                             |                     | is not one the key may use                  |
| 404                                         | `not-found`         | what was looked for                         |
| 429 `throttled`                             | `upstream` 429      | the wait (`Retry-After` or the reset time)  |
|                                             |                     | and that the host's retries ran out         |
| other                                       | `upstream` (status) | OpsRamp's reason                            |

The host already obtained (and, on a 401, renewed) the OAuth token, and
retried 429s for any method, waiting out a short `Retry-After`; what arrives
here is what is left. Only the start of an error body is read, and the
message is one line.
"""

import json
from typing import Any, Optional

from berth_sdk import HttpError, ToolError, tool_error_from_http
from berth_sdk.http import Response

# The credential the manifest declares.
CREDENTIAL = "opsramp"

# How much of an error body is quoted, in bytes, and in characters.
EXCERPT_BYTES = 2048
REASON_CHARS = 400

HOW_TO_STORE = (
    "store the API key and secret of an OpsRamp integration (Setup > Integrations > API) with `berth credential set "
    "--tenant <tenant> --plugin opsramp opsramp --scheme oauth2-client-credentials --token-url "
    "https://<api_host>/auth/oauth/token --client-id <key>` (the secret on stdin)"
)


def one_line(text: str) -> str:
    """`text` on one line, at most `REASON_CHARS` long."""
    line = " ".join(text.split())
    return line if len(line) <= REASON_CHARS else line[:REASON_CHARS] + "…"


def explanation(status: int, body: str) -> str:
    """OpsRamp's own explanation, from whichever of its error shapes the
    body has: OAuth's `{"error", "error_description"}`, `{"code",
    "message"}`, a list of those, or plain text."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = None
    entries = parsed if isinstance(parsed, list) else [parsed]
    parts = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        for key in ("error", "error_description", "code", "message", "errorMessage", "description"):
            value = entry.get(key)
            if isinstance(value, (str, int)) and str(value) and str(value) not in parts:
                parts.append(str(value))
    text = one_line(": ".join(parts) if parts else body if parsed is None else "")
    return text or f"HTTP {status}"


def wait_of(response: Response) -> Optional[str]:
    """How long OpsRamp asks to wait, as words: its `Retry-After`, or the
    `X-RateLimit-Reset` epoch second."""
    retry_after = response.header("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return f"in {retry_after.strip()} s"
    reset = response.header("x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        return f"after the limit resets (epoch second {reset.strip()})"
    return None


def rate_limited(wait: Optional[str]) -> str:
    """The message for a rate limit the host's retries did not outlast."""
    when = f" {wait}" if wait else " in a minute"
    return (
        f"OpsRamp is throttling this tenant's API calls and the host's retries ran out; try again{when}. The limits "
        "are per tenant and per minute, by API and method (paginated searches have the lowest)"
    )


def status_error(response: Response, target: str) -> ToolError:
    """The tool error for a non-2xx `response` to a request about `target`
    ("incident INC0000001114", "the alert search")."""
    status = response.status
    reason = explanation(status, response.text(EXCERPT_BYTES))
    if status == 400:
        return ToolError.invalid_arguments(f"OpsRamp rejected the request for {target}: {reason}")
    if status == 401:
        return ToolError.denied(
            f"OpsRamp refused the `{CREDENTIAL}` credential's token ({reason}) even after a fresh one: check that the "
            f"API key is active and belongs to the tenant in `tenant_id`; to replace it, {HOW_TO_STORE}"
        )
    if status == 403:
        return ToolError.denied(
            f"OpsRamp refused access to {target} ({reason}): the `{CREDENTIAL}` API key's role needs access to it, "
            "and `tenant_id` must be the client or partner the key was made for"
        )
    if status == 404:
        return ToolError.not_found(f"{target} was not found in OpsRamp ({reason})")
    if status == 429:
        return ToolError.upstream(429, rate_limited(wait_of(response)))
    return ToolError.upstream(status, f"OpsRamp failed on {target}: {reason}")


def transport_error(error: HttpError) -> ToolError:
    """The tool error for a request the host could not complete, in terms
    of what to do about it."""
    if error.tag == "credential-failed":
        return ToolError.denied(
            f"the `{CREDENTIAL}` credential could not be used: OpsRamp's token endpoint said {error.value}. "
            f"The operator needs to {HOW_TO_STORE}"
        )
    if error.tag == "rate-limited":
        wait = None if error.value is None else f"in {-(-int(error.value) // 1000)} s"
        return ToolError.upstream(429, rate_limited(wait))
    if error.tag == "denied":
        return ToolError.denied(
            f"{error.value} (the plugin may reach only https://{{api_host}}/api/v2/ and the token endpoint; check "
            "the tenant's `api_host` setting)"
        )
    return tool_error_from_http(error)
