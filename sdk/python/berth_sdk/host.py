"""The seam between the SDK and the host's capabilities.

Inside a component the capabilities are the `berth:plugin` imports, which
exist only there (componentize-py generates `wit_world` at build time). The
SDK reaches them through one object, the installed `Host`: `WitHost`
(wit_host.py, installed by `Plugin.export`) in a component,
`berth_sdk.testing.FakeHost` in unit tests run by plain
`python3 -m unittest`. Plugin code never touches this module;
it uses `http`, `config`, `cache` and `log`.
"""

from dataclasses import dataclass, field
from typing import List, Optional, Protocol, Tuple

# The methods of `http.method`, spelled as WIT spells them.
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")

# The levels of `log.level`.
LEVELS = ("trace", "debug", "info", "warn", "error")

Headers = List[Tuple[str, str]]


@dataclass
class Request:
    """A request for the host to perform (`http.request`)."""

    method: str
    url: str
    headers: Headers = field(default_factory=list)
    body: Optional[bytes] = None
    # The manifest's name for the credential the host attaches; the plugin
    # never holds the secret.
    credential: Optional[str] = None
    timeout_ms: Optional[int] = None


@dataclass
class RawResponse:
    """The upstream's answer as the host gives it (`http.response`)."""

    status: int
    headers: Headers
    body: bytes


class Host(Protocol):
    """What the host grants a call. Each method raises the capability's
    error as an exception (`HttpError`, `CacheTooLarge`)."""

    def send(self, request: Request) -> RawResponse: ...

    def config(self, key: str) -> Optional[str]: ...

    def cache_get(self, key: str) -> Optional[bytes]: ...

    def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    def cache_delete(self, key: str) -> None: ...

    def log(self, level: str, message: str) -> None: ...


_installed: Optional[Host] = None


def install(host: Optional[Host]) -> Optional[Host]:
    """Makes `host` the one the SDK uses (`None`: the component's own, on
    next use); returns the one installed before."""
    global _installed
    previous, _installed = _installed, host
    return previous


def current() -> Host:
    """The installed host: in a component the `berth:plugin` imports,
    which `Plugin.export` installs while componentize-py builds it (only
    what is imported then ends up in the component)."""
    if _installed is None:
        raise RuntimeError(
            "no Berth host is installed: app.py must call `plugin.export(globals())`, and a unit test must "
            "install a `berth_sdk.testing.FakeHost`"
        )
    return _installed
