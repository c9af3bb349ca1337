"""`Host` over the component's `berth:plugin` imports: the generated
`wit_world` package, which exists only inside a componentize-py build."""

from typing import Optional

from componentize_py_types import Err
from wit_world.imports import cache, config, http, log

from .errors import CacheTooLarge, HttpError
from .host import Request, RawResponse

_METHODS = {
    "get": http.Method.GET,
    "head": http.Method.HEAD,
    "post": http.Method.POST,
    "put": http.Method.PUT,
    "patch": http.Method.PATCH,
    "delete": http.Method.DELETE,
    "options": http.Method.OPTIONS,
}

_LEVELS = {
    "trace": log.Level.TRACE,
    "debug": log.Level.DEBUG,
    "info": log.Level.INFO,
    "warn": log.Level.WARN,
    "error": log.Level.ERROR,
}

# `http-error` cases by their generated class, as WIT names them.
_HTTP_ERRORS = {
    http.HttpError_Denied: "denied",
    http.HttpError_InvalidRequest: "invalid-request",
    http.HttpError_CredentialFailed: "credential-failed",
    http.HttpError_Timeout: "timeout",
    http.HttpError_TooLarge: "too-large",
    http.HttpError_RateLimited: "rate-limited",
    http.HttpError_CircuitOpen: "circuit-open",
    http.HttpError_Connection: "connection",
}


class WitHost:
    """The capabilities the host grants this call."""

    def send(self, request: Request) -> RawResponse:
        wit_request = http.Request(
            method=_METHODS[request.method],
            url=request.url,
            headers=list(request.headers),
            body=request.body,
            credential=request.credential,
            timeout_ms=request.timeout_ms,
        )
        try:
            response = http.send(wit_request)
        except Err as error:
            failure = error.value
            raise HttpError(_HTTP_ERRORS[type(failure)], getattr(failure, "value", None)) from None
        return RawResponse(status=response.status, headers=list(response.headers), body=bytes(response.body))

    def config(self, key: str) -> Optional[str]:
        return config.get(key)

    def cache_get(self, key: str) -> Optional[bytes]:
        value = cache.get(key)
        return None if value is None else bytes(value)

    def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        try:
            cache.set(key, value, ttl_seconds)
        except Err as error:
            raise CacheTooLarge(error.value.value) from None

    def cache_delete(self, key: str) -> None:
        cache.delete(key)

    def log(self, level: str, message: str) -> None:
        log.log(_LEVELS[level], message)
