"""The failures a plugin deals in: `ToolError`, which fails a tool the way
the agent sees it, and the errors of the host's capabilities (`HttpError`,
`CacheTooLarge`), each a Python exception so that plugin code reads as
ordinary Python: `raise ToolError.not_found(...)`, `except HttpError`."""

from typing import Optional, Union

# The cases of `tool-error` in wit/berth.wit, spelled as WIT spells them.
TOOL_ERROR_KINDS = ("invalid-arguments", "not-found", "denied", "upstream", "internal", "missing-capability")


class ToolError(Exception):
    """A tool's typed failure (`tool-error`): raise one to fail a tool, a
    ticket call or a resource read. The host shows the agent the kind and
    the message; `status` is the upstream's HTTP status for `upstream`."""

    def __init__(self, kind: str, message: str, status: Optional[int] = None):
        if kind not in TOOL_ERROR_KINDS:
            raise ValueError(f"`{kind}` is not a tool error kind; one of {', '.join(TOOL_ERROR_KINDS)}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    def __repr__(self) -> str:
        status = "" if self.status is None else f", status={self.status}"
        return f"ToolError({self.kind!r}, {self.message!r}{status})"

    @classmethod
    def invalid_arguments(cls, message: str) -> "ToolError":
        """The arguments are well-formed but make no sense for the tool."""
        return cls("invalid-arguments", message)

    @classmethod
    def not_found(cls, message: str) -> "ToolError":
        """The thing asked for does not exist."""
        return cls("not-found", message)

    @classmethod
    def denied(cls, message: str) -> "ToolError":
        """The host or the upstream refused."""
        return cls("denied", message)

    @classmethod
    def upstream(cls, status: Optional[int], message: str) -> "ToolError":
        """The upstream failed, with its HTTP status if it answered."""
        return cls("upstream", message, status)

    @classmethod
    def internal(cls, message: str) -> "ToolError":
        """A bug or an unexpected state in the plugin."""
        return cls("internal", message)

    @classmethod
    def missing_capability(cls, capability: str) -> "ToolError":
        """The request needs a client capability the client did not declare."""
        return cls("missing-capability", capability)


# The cases of `http-error` in wit/berth.wit, and whether each carries a value.
HTTP_ERROR_TAGS = (
    "denied",
    "invalid-request",
    "credential-failed",
    "timeout",
    "too-large",
    "rate-limited",
    "circuit-open",
    "connection",
)


class HttpError(Exception):
    """The host could not get an answer from the upstream (`http-error`):
    `tag` is the case (`denied`, `rate-limited`, ...) and `value` its
    payload (a message, the byte limit of `too-large`, the wait in
    milliseconds of `rate-limited` or `None`). An upstream 404 or 500 is not
    one: it arrives as a `Response` with that status."""

    def __init__(self, tag: str, value: Union[str, int, None] = None):
        if tag not in HTTP_ERROR_TAGS:
            raise ValueError(f"`{tag}` is not an http-error case; one of {', '.join(HTTP_ERROR_TAGS)}")
        super().__init__(tag, value)
        self.tag = tag
        self.value = value

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A sentence describing the failure, worded like the Rust SDK's."""
        tag, value = self.tag, self.value
        if tag == "denied":
            return str(value)
        if tag == "invalid-request":
            return f"invalid request: {value}"
        if tag == "credential-failed":
            return f"credential failed: {value}"
        if tag == "timeout":
            return "the upstream did not answer in time"
        if tag == "too-large":
            return f"the response exceeded the {value}-byte limit"
        if tag == "rate-limited":
            return "rate limited" if value is None else f"rate limited; retry after {value} ms"
        if tag == "circuit-open":
            return f"upstream unavailable (circuit open): {value}"
        return f"could not reach the upstream: {value}"


def tool_error_from_http(error: HttpError) -> ToolError:
    """The tool error for a request the host refused or could not complete:
    a policy denial stays a denial; anything else is an upstream failure
    (the same mapping as the Rust SDK's `?` on a request)."""
    if error.tag == "denied":
        return ToolError.denied(str(error.value))
    return ToolError.upstream(None, error.describe())


class CacheTooLarge(Exception):
    """The cache refused a key or value over the host's limit (`limit`
    bytes): the cache's only error."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit

    def __str__(self) -> str:
        return f"CacheError::TooLarge({self.limit})"
