"""Outbound HTTP, performed by the host within the manifest's egress. A
credential is named, never held: the host attaches it.

    from berth_sdk import http

    answer = http.get_json("https://acme.example/api/items", credential="acme")
    response = http.send("post", url, json={"name": "x"}, credential="acme")
    if response.status == 404: ...
"""

import json as jsonlib
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import quote

from .errors import HttpError, ToolError, tool_error_from_http
from .host import METHODS, Headers, Request, current

# How much of a failed answer `json_request` quotes, in characters.
QUOTED_CHARS = 500


class Response:
    """An answer, whatever its status: `status`, `headers` (names lower
    case) and `body` (bytes)."""

    def __init__(self, status: int, headers: Headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"Response(status={self.status}, {len(self.body)} bytes)"

    @property
    def ok(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status <= 299

    def header(self, name: str) -> Optional[str]:
        """The first value of header `name` (any case), or `None`."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def text(self, max_bytes: Optional[int] = None) -> str:
        """The body as text; with `max_bytes`, only as much of its start as
        fits (to quote an error without reading a page of it). Bytes that
        are not UTF-8 come out as U+FFFD rather than failing the call."""
        body = self.body if max_bytes is None else self.body[:max_bytes]
        text = body.decode("utf-8", errors="replace")
        # A cut through a character leaves one replacement character: drop it.
        if max_bytes is not None and len(self.body) > max_bytes and text.endswith("\ufffd"):
            text = text[:-1]
        return text

    def json(self) -> Any:
        """The body as JSON; an `upstream` tool error when it is not."""
        try:
            return jsonlib.loads(self.text())
        except ValueError as error:
            raise ToolError.upstream(self.status, f"the upstream's answer is not JSON: {error}") from None


OnFailure = Callable[[HttpError], Exception]


def send(
    method: str,
    url: str,
    *,
    headers: Iterable[Tuple[str, str]] = (),
    body: Union[str, bytes, None] = None,
    json: Any = None,
    credential: Optional[str] = None,
    timeout_ms: Optional[int] = None,
    on_failure: OnFailure = tool_error_from_http,
) -> Response:
    """Sends a request (`json`, when given, is the body, with its content
    type) and returns the answer, whatever its status. A refusal or a
    failure to reach the upstream raises what `on_failure(error)` returns:
    by default the tool error `tool_error_from_http` makes; a plugin that
    words failures in its upstream's terms passes its own."""
    if method not in METHODS:
        raise ValueError(f"`{method}` is not an HTTP method; one of {', '.join(METHODS)}")
    headers = list(headers)
    if json is not None:
        headers.append(("content-type", "application/json"))
        body = jsonlib.dumps(json)
    data = body.encode() if isinstance(body, str) else body
    request = Request(method, url, headers, data, credential, timeout_ms)
    try:
        raw = current().send(request)
    except HttpError as error:
        raise on_failure(error) from None
    return Response(raw.status, raw.headers, raw.body)


def json_request(method: str, url: str, *, json: Any = None, **options: Any) -> Any:
    """Sends a request (with the JSON body `json`, if given) asking for
    JSON, and returns the JSON answer of a 2xx response (`None` for an
    empty one); any other status is an `upstream` tool error quoting what
    the upstream said. `options` are `send`'s."""
    headers = [("accept", "application/json"), *options.pop("headers", ())]
    response = send(method, url, headers=headers, json=json, **options)
    if not response.ok:
        raise ToolError.upstream(response.status, response.text()[:QUOTED_CHARS])
    if not response.body.strip():
        return None
    return response.json()


def get_json(url: str, **options: Any) -> Any:
    """GETs `url` and returns its JSON (see `json_request`)."""
    return json_request("get", url, **options)


def with_query(url: str, params: Mapping[str, Any]) -> str:
    """`url?key=value&...`: `None` values are left out, lists repeat the
    key, `True`/`False` are `true`/`false`, and everything is
    percent-encoded (a `+` or a space too)."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is None:
                continue
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append(f"{quote(str(key), safe='')}={quote(text, safe='')}")
    if not pairs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{'&'.join(pairs)}"


__all__ = ["Response", "send", "json_request", "get_json", "with_query"]
