"""A fake Berth host for unit tests of Python plugins under plain
`python3 -m unittest`, where the `berth:plugin` imports do not exist:

    from berth_sdk.testing import FakeHost, Reply

    class SearchTest(unittest.TestCase):
        def setUp(self):
            self.host = FakeHost.installed(self, config={"api_host": "acme.api.opsramp.com"})

        def test_asks_for_open_alerts(self):
            self.host.answer(lambda request: Reply(200, json={"results": []}))
            search_alerts(states=["Critical"])
            self.assertIn("states%3ACritical", self.host.requests[0].url)

`requests` records every request the plugin sent (method, URL, headers,
body as text, credential); `logs` every log record as `(level, message)`.
"""

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import host as seam
from .errors import CacheTooLarge, HttpError
from .host import Headers, RawResponse, Request


@dataclass
class Reply:
    """How the fake answers a request: a status with `json` (sent with its
    content type) or `text`, and headers."""

    status: int = 200
    json: Any = None
    text: str = ""
    headers: Headers = field(default_factory=list)


@dataclass
class SentRequest:
    """A request the plugin sent, its body as text."""

    method: str
    url: str
    headers: Headers
    body: Optional[str]
    credential: Optional[str]

    def header(self, name: str) -> Optional[str]:
        """The first value of header `name` (any case), or `None`."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body as JSON."""
        return None if self.body is None else jsonlib.loads(self.body)


# What an answering function returns: a reply, or an `HttpError` the host
# would raise instead (`HttpError("rate-limited", 60000)`).
Answer = Callable[[SentRequest], Union[Reply, HttpError]]


def _not_found(request: SentRequest) -> Reply:
    return Reply(404, json={"error": "not_found", "error_description": f"no fake answer for {request.url}"})


class FakeHost:
    """What the fake host holds and does; tests set it up and read it back.
    The cache never expires, and refuses keys or values over
    `cache_limit` bytes as the real one does."""

    def __init__(self, config: Optional[Dict[str, str]] = None, cache_limit: int = 1024 * 1024):
        self.settings: Dict[str, str] = dict(config or {})
        self.cache: Dict[str, bytes] = {}
        self.cache_limit = cache_limit
        self.logs: List[Tuple[str, str]] = []
        self.requests: List[SentRequest] = []
        self._answer: Answer = _not_found

    @classmethod
    def installed(cls, test: Any, **options: Any) -> "FakeHost":
        """A fake installed for the duration of `test` (a TestCase)."""
        fake = cls(**options)
        previous = seam.install(fake)
        test.addCleanup(seam.install, previous)
        return fake

    def answer(self, answer: Answer) -> None:
        """Answers every later request with `answer(request)`."""
        self._answer = answer

    def answer_in_turn(self, *replies: Union[Reply, HttpError]) -> None:
        """Answers the next requests with `replies`, one each, in order."""
        queue = list(replies)
        self._answer = lambda request: queue.pop(0) if queue else _not_found(request)

    def send(self, request: Request) -> RawResponse:
        body = None if request.body is None else request.body.decode()
        sent = SentRequest(request.method, request.url, list(request.headers), body, request.credential)
        self.requests.append(sent)
        reply = self._answer(sent)
        if isinstance(reply, HttpError):
            raise reply
        headers = list(reply.headers)
        if reply.json is not None:
            headers.append(("content-type", "application/json"))
            data = jsonlib.dumps(reply.json).encode()
        else:
            data = reply.text.encode()
        return RawResponse(reply.status, headers, data)

    def config(self, key: str) -> Optional[str]:
        return self.settings.get(key)

    def cache_get(self, key: str) -> Optional[bytes]:
        return self.cache.get(key)

    def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if len(key.encode()) > self.cache_limit or len(value) > self.cache_limit:
            raise CacheTooLarge(self.cache_limit)
        self.cache[key] = value

    def cache_delete(self, key: str) -> None:
        self.cache.pop(key, None)

    def log(self, level: str, message: str) -> None:
        self.logs.append((level, message))
